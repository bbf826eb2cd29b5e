/**
 * `verdict test`: policy test files run offline on the Worker's own engine
 * (src/policy/evaluate.ts, over the set checkProject compiled). A principal's claims go
 * through its provider's claim mappings as a verified token's would
 * (src/identity/claim-mapping.ts), so a mapping mistake fails a test. Every case is traced,
 * which also feeds coverage (coverage.ts).
 */
import type { Effect, Expectation, ProviderInput, TestFile } from '../../src/contract';
import { principalAttributes, readPath } from '../../src/identity/claim-mapping';
import type { RequestInput } from '../../src/policy/attributes';
import { buildEngine, type Engine, type EngineDecision, type RuleTrace } from '../../src/policy/evaluate';
import type { Checked } from './check';
import { Coverage } from './coverage';
import type { FileIssue, Loaded } from './project';

export type CaseSpec = {
  file: string;
  /** "matrix name › case name › principal", or the case's name. */
  title: string;
  principal: string;
  expect: { decision: Effect; policy?: string; rule?: string; reason?: string };
} & Omit<RequestInput, 'attributes'>;

export type CaseResult = {
  spec: CaseSpec;
  status: 'passed' | 'failed';
  /** The decision (absent when the principal could not become a token's attributes). */
  decision?: EngineDecision;
  /** Why it failed: what differed, then what explains it. */
  failure?: string[];
  ms: number;
};

export type FileResult = { file: string; name: string; cases: CaseResult[]; coverage: Coverage };

const normalize = (e: Expectation): CaseSpec['expect'] => (typeof e === 'string' ? { decision: e } : e);

/** A test file's cases, matrix rows included, with fixtures and defaults applied. */
export function expandCases(
  { file, doc }: Loaded<TestFile>,
  timezone: string,
  clock: number,
  issues: FileIssue[],
): CaseSpec[] {
  const specs: CaseSpec[] = [];
  const fileNow = doc.now ? Date.parse(doc.now) : clock;
  const zone = doc.timezone ?? timezone;
  const principalKnown = (name: string, path: string) => {
    if (Object.hasOwn(doc.principals, name)) return true;
    issues.push({
      file,
      path,
      message: `no principal "${name}" (known: ${Object.keys(doc.principals).join(', ') || 'none'})`,
    });
    return false;
  };
  type Input = {
    fixture?: string | undefined;
    context?: Record<string, unknown> | undefined;
    record?: Record<string, unknown> | undefined;
    ip?: string | undefined;
    now?: string | undefined;
  };
  const inputOf = (c: Input, path: string) => {
    const fixture = c.fixture === undefined ? {} : doc.fixtures?.[c.fixture];
    if (!fixture) {
      issues.push({
        file,
        path: `${path}.fixture`,
        message: `no fixture "${c.fixture}" (known: ${Object.keys(doc.fixtures ?? {}).join(', ') || 'none'})`,
      });
      return undefined;
    }
    const record = c.record ?? fixture.record;
    const ip = c.ip ?? fixture.ip;
    return {
      context: { ...fixture.context, ...c.context },
      ...(record ? { record } : {}),
      ...(ip ? { ip } : {}),
      now: c.now ? Date.parse(c.now) : fileNow,
      timezone: zone,
    };
  };

  (doc.tests ?? []).forEach((t, i) => {
    const input = inputOf(t, `tests.${i}`);
    if (!principalKnown(t.principal, `tests.${i}.principal`) || !input) return;
    specs.push({
      file,
      title: t.name,
      principal: t.principal,
      resource: t.resource,
      action: t.action,
      ...input,
      expect: normalize(t.expect),
    });
  });
  (doc.matrix ?? []).forEach((m, i) => {
    m.principals.forEach((p, j) => {
      principalKnown(p, `matrix.${i}.principals.${j}`);
    });
    m.cases.forEach((c, k) => {
      const path = `matrix.${i}.cases.${k}`;
      const resource = c.resource ?? m.resource;
      const action = c.action ?? m.action;
      if (!resource || !action) {
        issues.push({ file, path, message: 'needs a resource and an action (here or on the matrix)' });
        return;
      }
      for (const name of Object.keys(c.expect))
        if (!m.principals.includes(name))
          issues.push({
            file,
            path: `${path}.expect.${name}`,
            message: `"${name}" is not one of the matrix's principals`,
          });
      const input = inputOf(c, path);
      if (!input) return;
      for (const principal of m.principals) {
        const expected = c.expect[principal];
        if (expected === undefined) {
          issues.push({
            file,
            path: `${path}.expect`,
            message: `no expectation for principal "${principal}"`,
          });
          continue;
        }
        specs.push({
          file,
          title: `${m.name} › ${c.name} › ${principal}`,
          principal,
          resource,
          action,
          ...input,
          expect: normalize(expected),
        });
      }
    });
  });
  return specs;
}

/** The principal as a verified token's attributes, or why no token would carry them. */
function principalOf(
  doc: TestFile,
  name: string,
  providers: readonly ProviderInput[],
): { ok: true; attributes: Record<string, unknown>; notes: string[] } | { ok: false; message: string } {
  const principal = doc.principals[name];
  if (!principal) return { ok: false, message: `no principal "${name}"` };
  let provider: ProviderInput | undefined;
  if (principal.provider !== undefined) {
    provider = providers.find((p) => p.name === principal.provider);
    if (!provider)
      return {
        ok: false,
        message: `principal "${name}": no provider named "${principal.provider}" in providers/`,
      };
  } else if (providers.length === 1) {
    provider = providers[0];
  } else {
    return {
      ok: false,
      message:
        providers.length === 0
          ? `principal "${name}": there is no provider in providers/, so no claim mappings to run its claims through`
          : `principal "${name}": name its "provider" (one of ${providers.map((p) => `"${p.name}"`).join(', ')})`,
    };
  }
  const p = provider as ProviderInput;
  const claims = { sub: name, ...principal.claims };
  if (typeof claims.sub !== 'string' || claims.sub === '')
    return { ok: false, message: `principal "${name}": "sub" must be a non-empty string, as in a token` };
  const mapped = principalAttributes(claims, {
    name: p.name,
    issuer: p.issuer,
    claimMappings: p.claimMappings ?? [],
  });
  if (!mapped.ok) {
    const m = p.claimMappings?.find((x) => x.jwtPath === mapped.missing);
    return {
      ok: false,
      message: `principal "${name}" lacks the claim "${mapped.missing}", which provider "${p.name}" requires (mapped to ext_${m?.attribute ?? '?'}): a real token without it is refused`,
    };
  }
  // Claims the mappings read that this principal does not have (and no default fills).
  const notes = (p.claimMappings ?? [])
    .filter((m) => m.defaultValue === undefined && readPath(claims, m.jwtPath) == null)
    .map((m) => `principal "${name}" has no claim "${m.jwtPath}", so ext_${m.attribute} is absent`);
  return { ok: true, attributes: mapped.attributes, notes };
}

function describeDecision(d: EngineDecision): string {
  const by = d.policy ? ` by ${d.policy}/${d.ruleId}` : '';
  const reason = d.reasons[0]?.code;
  return `${d.effect}${by}${reason && reason !== 'rule_matched' && reason !== 'default_applied' ? ` (${reason})` : ''}`;
}

function differences(expect: CaseSpec['expect'], d: EngineDecision): string[] {
  const diffs: string[] = [];
  if (expect.decision !== d.effect) diffs.push(`expected ${expect.decision}, got ${describeDecision(d)}`);
  if (expect.policy !== undefined && expect.policy !== d.policy)
    diffs.push(`expected policy ${expect.policy}, got ${d.policy ?? 'none'} (${describeDecision(d)})`);
  if (expect.rule !== undefined && expect.rule !== d.ruleId)
    diffs.push(`expected rule ${expect.rule}, got ${d.ruleId ?? 'none'} (${describeDecision(d)})`);
  if (expect.reason !== undefined && expect.reason !== d.reasons[0]?.code)
    diffs.push(`expected reason ${expect.reason}, got ${d.reasons[0]?.code ?? 'none'}`);
  return diffs;
}

/** The reasons and the trace's failing conditions, as lines for a failed case. */
function explain(d: EngineDecision, rules: readonly RuleTrace[]): string[] {
  const lines: string[] = [];
  for (const r of d.reasons) {
    if ('message' in r && typeof r.message === 'string') lines.push(`${r.code}: ${r.message}`);
  }
  for (const rule of rules) {
    if (rule.outcome === 'true') continue;
    const failing = rule.conditions.filter((c) => c.result !== 'true');
    for (const c of failing) lines.push(`${rule.policy}/${rule.rule} [${c.index}] ${c.result}: ${c.message}`);
  }
  return [...new Set(lines)];
}

export type RunOptions = { filter?: (title: string) => boolean; now?: number };

export function runTests(
  checked: Checked,
  files: readonly Loaded<TestFile>[],
  timezone: string,
  opts: RunOptions = {},
): { results: FileResult[]; issues: FileIssue[]; total: Coverage } {
  const engine: Engine = buildEngine(checked.set);
  const issues: FileIssue[] = [];
  const total = new Coverage(checked.set);
  const results: FileResult[] = [];
  const clock = opts.now ?? Date.now();
  for (const loaded of files) {
    const specs = expandCases(loaded, timezone, clock, issues).filter(
      (s) => !opts.filter || opts.filter(`${s.file} › ${s.title}`),
    );
    const coverage = new Coverage(checked.set);
    const cases = specs.map((spec): CaseResult => {
      const started = performance.now();
      const principal = principalOf(loaded.doc, spec.principal, checked.providers);
      if (!principal.ok)
        return { spec, status: 'failed', failure: [principal.message], ms: performance.now() - started };
      const input: RequestInput = {
        attributes: principal.attributes,
        resource: spec.resource,
        action: spec.action,
        context: spec.context,
        ...(spec.record ? { record: spec.record } : {}),
        ...(spec.ip ? { ip: spec.ip } : {}),
        now: spec.now,
        timezone: spec.timezone,
      };
      const { decision, rules } = engine.trace(input);
      coverage.observe(decision, rules, engine.policiesFor(spec.resource, spec.action));
      total.observe(decision, rules, engine.policiesFor(spec.resource, spec.action));
      const diffs = differences(spec.expect, decision);
      const ms = performance.now() - started;
      if (diffs.length === 0) return { spec, status: 'passed', decision, ms };
      return {
        spec,
        status: 'failed',
        decision,
        failure: [...diffs, ...principal.notes, ...explain(decision, rules)],
        ms,
      };
    });
    results.push({ file: loaded.file, name: loaded.doc.name, cases, coverage });
  }
  return { results, issues, total };
}
