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
      <ul>
        {result.reasons.map((r, i) => (
          <li key={i}>
            <code>{r.code}</code> {'message' in r ? r.message : 'rule' in r ? `${r.policy}/${r.rule}` : ''}
          </li>
        ))}
      </ul>
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
