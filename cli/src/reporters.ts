/**
 * `verdict test` output: pretty (people), json (machines: cases and coverage) and junit
 * (CI test tabs: one <testcase> per case, failures with their explanation).
 */
import pc from 'picocolors';
import type { CoverageReport } from './coverage';
import type { FileResult } from './run-tests';

export type Summary = { files: number; passed: number; failed: number; ms: number };

export function summarize(results: readonly FileResult[], ms: number): Summary {
  const cases = results.flatMap((r) => r.cases);
  return {
    files: results.length,
    passed: cases.filter((c) => c.status === 'passed').length,
    failed: cases.filter((c) => c.status === 'failed').length,
    ms,
  };
}

const bar = (p: number) => (p >= 90 ? pc.green : p >= 60 ? pc.yellow : pc.red)(`${p.toFixed(1)}%`);

export function coverageLines(report: CoverageReport, indent = '  '): string[] {
  return report.policies.map(
    (p) =>
      `${indent}${p.policy.padEnd(24)} ${bar(p.percent).padStart(16)}  rules ${p.rules.covered}/${p.rules.total}  conditions ${p.conditions.covered}/${p.conditions.total}  default ${p.defaults.covered}/${p.defaults.total}`,
  );
}

export function uncoveredLines(report: CoverageReport, indent = '  '): string[] {
  return report.policies.flatMap((p) => p.uncovered.map((u) => `${indent}${p.policy}: ${u}`));
}

export function pretty(results: readonly FileResult[], total: CoverageReport, summary: Summary): string {
  const out: string[] = [];
  for (const file of results) {
    out.push(`${pc.bold(file.file)} ${pc.dim(file.name)}`);
    for (const c of file.cases) {
      if (c.status === 'passed') {
        const d = c.decision;
        out.push(
          `  ${pc.green('✓')} ${c.spec.title} ${pc.dim(`${d?.effect}${d?.ruleId ? ` by ${d.policy}/${d.ruleId}` : ''}`)}`,
        );
      } else {
        out.push(`  ${pc.red('✗')} ${c.spec.title}`);
        for (const line of c.failure ?? []) out.push(`      ${pc.red('│')} ${line}`);
      }
    }
    const cov = file.coverage.report('touched');
    if (cov.policies.length > 0) out.push(pc.dim('  coverage'), ...coverageLines(cov, '    '));
    out.push('');
  }
  out.push(
    pc.bold(`coverage ${bar(total.percent)} (${total.covered}/${total.total} items)`),
    ...coverageLines(total),
  );
  const status =
    summary.failed === 0
      ? pc.green(`${summary.passed} passed`)
      : `${pc.red(`${summary.failed} failed`)}, ${summary.passed} passed`;
  out.push(
    '',
    `${status} ${pc.dim(`(${summary.files} file${summary.files === 1 ? '' : 's'}, ${summary.ms.toFixed(0)} ms)`)}`,
  );
  return out.join('\n');
}

export function json(results: readonly FileResult[], total: CoverageReport, summary: Summary): string {
  return JSON.stringify(
    {
      summary,
      files: results.map((f) => ({
        file: f.file,
        name: f.name,
        cases: f.cases.map((c) => ({
          title: c.spec.title,
          principal: c.spec.principal,
          resource: c.spec.resource,
          action: c.spec.action,
          status: c.status,
          expected: c.spec.expect,
          actual: c.decision
            ? {
                decision: c.decision.effect,
                policy: c.decision.policy,
                rule: c.decision.ruleId,
                reasons: c.decision.reasons,
              }
            : null,
          ...(c.failure ? { failure: c.failure } : {}),
        })),
        coverage: f.coverage.report('touched'),
      })),
      coverage: total,
    },
    null,
    2,
  );
}

const xml = (s: string) =>
  s
    // Characters XML 1.0 cannot carry at all.
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');

export function junit(results: readonly FileResult[], summary: Summary): string {
  const out = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="verdict test" tests="${summary.passed + summary.failed}" failures="${summary.failed}" errors="0" time="${(summary.ms / 1000).toFixed(3)}">`,
  ];
  for (const f of results) {
    const failures = f.cases.filter((c) => c.status === 'failed').length;
    const time = f.cases.reduce((s, c) => s + c.ms, 0) / 1000;
    out.push(
      `  <testsuite name="${xml(f.file)}" tests="${f.cases.length}" failures="${failures}" errors="0" skipped="0" time="${time.toFixed(3)}">`,
    );
    for (const c of f.cases) {
      const attrs = `name="${xml(c.spec.title)}" classname="${xml(f.name)}" time="${(c.ms / 1000).toFixed(3)}"`;
      if (c.status === 'passed') {
        out.push(`    <testcase ${attrs}/>`);
        continue;
      }
      const lines = c.failure ?? [];
      out.push(`    <testcase ${attrs}>`);
      out.push(
        `      <failure message="${xml(lines[0] ?? 'failed')}" type="PolicyAssertion">${xml(lines.join('\n'))}</failure>`,
      );
      out.push('    </testcase>');
    }
    out.push('  </testsuite>');
  }
  out.push('</testsuites>', '');
  return out.join('\n');
}
