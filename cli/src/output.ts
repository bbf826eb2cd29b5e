/** Printing: results on stdout, notes and problems on stderr; decisions made readable. */
import pc from 'picocolors';
import { type CliError, invalid } from './errors';
import type { FileIssue } from './project';
import { issueLine } from './project';

export const out = (line = '') => process.stdout.write(`${line}\n`);
export const note = (line = '') => process.stderr.write(`${line}\n`);

export function printIssues(kind: 'error' | 'warning', issues: readonly FileIssue[]): void {
  const tag = kind === 'error' ? pc.red('error') : pc.yellow('warning');
  for (const i of issues) note(`${tag} ${issueLine(i)}`);
}

/** Refuses the run over problems in the files: "<n> problem(s)<where>", then one line per problem. */
export function fileProblems(issues: readonly FileIssue[], where = ''): CliError {
  return invalid(`${issues.length} problem(s)${where}`, issues.map(issueLine));
}

type ReasonLike = {
  code: string;
  message?: string;
  rule?: string;
  policy?: string;
  condition?: { message?: string };
};

/** A decision (from /authorize or the audit trail) as a few lines. */
export function decisionLines(d: {
  decision: string;
  decisionId?: string;
  policy: string | null;
  policyVersion: number | null;
  ruleId: string | null;
  reasons: readonly unknown[];
}): string[] {
  const effect = d.decision === 'Allow' ? pc.green('Allow') : pc.red('Deny');
  const by = d.policy ? ` by ${d.policy} v${d.policyVersion} rule ${d.ruleId}` : '';
  const lines = [`${effect}${by}${d.decisionId ? pc.dim(`  ${d.decisionId}`) : ''}`];
  for (const r of d.reasons as ReasonLike[]) {
    const text = r.message ?? r.condition?.message ?? (r.rule ? `${r.policy}/${r.rule}` : '');
    lines.push(`  ${pc.dim(r.code)} ${text}`);
  }
  return lines;
}
