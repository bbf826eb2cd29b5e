/** A decision and its trace, readably: the answer, the deciding rule, reasons, and each rule's conditions. */
import type { Decision } from '@verdict-authz/sdk';
import { Badge } from './ui';

type Condition = {
  index: number;
  function: string;
  attribute: string;
  result: 'true' | 'false' | 'indeterminate';
  message: string;
};
type RuleTrace = {
  policy: string;
  policyVersion: number;
  rule: string;
  effect: 'Allow' | 'Deny';
  matched: boolean;
  outcome: 'true' | 'false' | 'indeterminate';
  conditions: Condition[];
};

export type Simulation = Omit<Decision, 'decisionId' | 'subject'> & { trace: unknown[] };

const MARK = { true: '✓', false: '✗', indeterminate: '?' } as const;

export function DecisionView({ result, label }: { result: Simulation; label: string }) {
  return (
    <section class="panel" aria-label={label}>
      <h2>
        {label}: <Badge decision={result.decision} />
      </h2>
      <dl class="facts">
        <dt>Policy</dt>
        <dd>{result.policy ? `${result.policy} v${result.policyVersion}` : '—'}</dd>
        <dt>Rule</dt>
        <dd>
          <code>{result.ruleId ?? '—'}</code>
        </dd>
      </dl>
      <h3>Reasons</h3>
      <Reasons reasons={result.reasons} />
      <h3>Trace</h3>
      <ol class="trace">
        {(result.trace as RuleTrace[]).map((t) => (
          <li key={`${t.policy}/${t.rule}`}>
            <strong>
              {t.policy}/{t.rule}
            </strong>{' '}
            ({t.effect}) —{' '}
            {t.matched ? 'matched' : t.outcome === 'indeterminate' ? 'indeterminate' : 'not matched'}
            <ul>
              {t.conditions.map((c) => (
                <li key={c.index}>
                  <span aria-hidden="true">{MARK[c.result]}</span>
                  <span class="sr-only">{c.result}</span> <code>{c.function}</code>({c.attribute}
                  ): {c.message}
                </li>
              ))}
            </ul>
          </li>
        ))}
      </ol>
    </section>
  );
}

type ReasonShape = {
  code?: unknown;
  policy?: unknown;
  policyVersion?: unknown;
  rule?: unknown;
  effect?: unknown;
  message?: unknown;
  condition?: {
    index?: unknown;
    function?: unknown;
    attribute?: unknown;
    result?: unknown;
    actual?: unknown;
    expected?: unknown;
    operandAttribute?: unknown;
    message?: unknown;
  };
};

const str = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v) : undefined);

/** A decision's reasons, readably: code, policy and rule, message, and the condition that decided. */
export function Reasons({ reasons }: { reasons: unknown[] }) {
  if (reasons.length === 0) return <p class="muted">No reasons recorded.</p>;
  return (
    <ol class="reasons">
      {reasons.map((raw, i) => {
        if (!raw || typeof raw !== 'object') return <li key={i}>{JSON.stringify(raw)}</li>;
        const r = raw as ReasonShape;
        const c = r.condition && typeof r.condition === 'object' ? r.condition : undefined;
        const policy = str(r.policy);
        const version = str(r.policyVersion);
        return (
          <li key={i}>
            <code>{str(r.code) ?? 'reason'}</code>
            {policy && (
              <>
                {' '}
                in {policy}
                {version && `@${version}`}
              </>
            )}
            {str(r.rule) && (
              <>
                {' '}
                rule <code>{str(r.rule)}</code>
              </>
            )}
            {str(r.effect) && (
              <>
                {' → '}
                <Badge decision={str(r.effect) as string} />
              </>
            )}
            {str(r.message) && <div>{str(r.message)}</div>}
            {c && (
              <dl class="facts">
                <dt>Condition</dt>
                <dd>
                  #{str(c.index) ?? '?'} <code>{str(c.function)}</code> on <code>{str(c.attribute)}</code> →{' '}
                  {str(c.result)}
                </dd>
                {'actual' in c && (
                  <>
                    <dt>Actual</dt>
                    <dd>
                      <code>{JSON.stringify(c.actual)}</code>
                    </dd>
                  </>
                )}
                {('expected' in c || c.operandAttribute !== undefined) && (
                  <>
                    <dt>Expected</dt>
                    <dd>
                      <code>{JSON.stringify(c.expected)}</code>
                      {str(c.operandAttribute) && (
                        <span class="muted"> (from {str(c.operandAttribute)})</span>
                      )}
                    </dd>
                  </>
                )}
                {str(c.message) && str(c.message) !== str(r.message) && (
                  <>
                    <dt>Why</dt>
                    <dd>{str(c.message)}</dd>
                  </>
                )}
              </dl>
            )}
          </li>
        );
      })}
    </ol>
  );
}
