/**
 * Policy coverage, by structure rather than by line (so formatting never changes it):
 * every rule should match at least once, every condition should be seen both true and
 * false, and every policy's default should decide at least once. Items are named
 * `policy/rule`, `policy/rule[i] true|false`, `policy/(default rule_id)`.
 */
import type { CompiledPolicySet } from '../../src/policy/compiled';
import type { EngineDecision, RuleTrace } from '../../src/policy/evaluate';

export type CoverageItem = { policy: string; item: string; covered: boolean };
export type PolicyCoverage = {
  policy: string;
  rules: { covered: number; total: number };
  conditions: { covered: number; total: number };
  defaults: { covered: number; total: number };
  percent: number;
  uncovered: string[];
};
export type CoverageReport = { percent: number; covered: number; total: number; policies: PolicyCoverage[] };

export class Coverage {
  private readonly seen = new Set<string>();
  private readonly touched = new Set<string>();

  constructor(private readonly set: CompiledPolicySet) {}

  /** Records what one traced decision exercised. */
  observe(
    decision: EngineDecision,
    rules: readonly RuleTrace[],
    applicable: readonly { name: string }[],
  ): void {
    for (const p of applicable) this.touched.add(p.name);
    for (const r of rules) {
      if (r.outcome === 'true') this.seen.add(`${r.policy}/${r.rule}`);
      for (const c of r.conditions) this.seen.add(`${r.policy}/${r.rule}[${c.index}] ${c.result}`);
    }
    const first = decision.reasons[0];
    if (first?.code === 'default_applied') this.seen.add(`${first.policy}/(default ${first.rule})`);
  }

  /** Coverage of every policy in the set, or of those the observed cases reached. */
  report(scope: 'all' | 'touched' = 'all'): CoverageReport {
    const policies: PolicyCoverage[] = [];
    let covered = 0;
    let total = 0;
    for (const p of Object.values(this.set.policies).sort((a, b) => a.name.localeCompare(b.name))) {
      if (scope === 'touched' && !this.touched.has(p.name)) continue;
      const count = { covered: 0, total: 0 };
      const rules = { ...count };
      const conditions = { ...count };
      const defaults = { ...count };
      const uncovered: string[] = [];
      const mark = (bucket: typeof count, key: string, label: string) => {
        bucket.total++;
        if (this.seen.has(key)) bucket.covered++;
        else uncovered.push(label);
      };
      for (const r of p.rules) {
        mark(rules, `${p.name}/${r.id}`, `rule ${r.id} never matched`);
        r.conditions.forEach((c, i) => {
          for (const outcome of ['true', 'false'] as const)
            mark(
              conditions,
              `${p.name}/${r.id}[${i}] ${outcome}`,
              `rule ${r.id} condition ${i} (${c.fn} ${c.name}) never ${outcome}`,
            );
        });
      }
      mark(defaults, `${p.name}/(default ${p.default.id})`, `default ${p.default.id} never decided`);
      const c = rules.covered + conditions.covered + defaults.covered;
      const t = rules.total + conditions.total + defaults.total;
      covered += c;
      total += t;
      policies.push({ policy: p.name, rules, conditions, defaults, percent: percent(c, t), uncovered });
    }
    return { percent: percent(covered, total), covered, total, policies };
  }
}

const percent = (covered: number, total: number) =>
  total === 0 ? 100 : Math.floor((covered / total) * 1000) / 10;
