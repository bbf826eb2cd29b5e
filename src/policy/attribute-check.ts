/**
 * Checks a compiled policy against the attributes a workspace's claim mappings
 * produce. An `ext_*` attribute no mapping produces is a warning (a typo such as
 * `ext_aproval_limit` would otherwise deny silently); a function applied to an
 * attribute whose mapped type is certain and wrong is an error. Pure.
 */
import type { CompiledPolicy } from './compiled';

export type KnownAttribute = { name: string; type: string; numeric: boolean; booleanLike: boolean };
export type AttributeIssue = { path: string; message: string };

function expects(fn: string): 'number' | 'string' | 'boolean' | 'list' | undefined {
  if (fn.startsWith('integer_') || fn.startsWith('double_')) return 'number';
  if (fn.startsWith('string_') || fn.startsWith('date') || fn === 'time_in_range' || fn.startsWith('ip_'))
    return 'string';
  if (fn === 'boolean_equal') return 'boolean';
  if (fn.startsWith('list_')) return 'list';
  return undefined;
}

function fits(want: 'number' | 'string' | 'boolean' | 'list', a: KnownAttribute): boolean {
  if (a.type === 'unknown' || a.type === want) return true;
  if (a.type === 'string' && want === 'number') return a.numeric;
  if (a.type === 'string' && want === 'boolean') return a.booleanLike;
  return false;
}

/** Levenshtein distance, for "did you mean" hints (names are short). */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(
        (prev[j] ?? 0) + 1,
        (cur[j - 1] ?? 0) + 1,
        (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    prev = cur;
  }
  return prev[b.length] ?? 0;
}

export function checkAttributes(
  policy: CompiledPolicy,
  known: readonly KnownAttribute[],
): { warnings: AttributeIssue[]; errors: AttributeIssue[] } {
  const byName = new Map(known.map((k) => [k.name, k]));
  const warnings: AttributeIssue[] = [];
  const errors: AttributeIssue[] = [];
  policy.rules.forEach((rule, r) => {
    rule.conditions.forEach((cond, i) => {
      const where = `specification.rules.${r}.conditions.${i}`;
      const refs: [string, string][] = [[cond.path[0] as string, 'attribute']];
      if (cond.operand?.kind === 'attr') refs.push([cond.operand.path[0] as string, 'value_from_attribute']);
      for (const [root, field] of refs) {
        if (!root.startsWith('ext_')) continue;
        const attr = byName.get(root);
        if (!attr) {
          const close = known.map((k) => k.name).filter((n) => editDistance(n, root) <= 2);
          warnings.push({
            path: `${where}.${field}`,
            message: `rule "${rule.id}", condition ${i}: no auth provider maps ${root}${close.length ? ` (did you mean ${close.join(', ')}?)` : ''}; the condition will never hold`,
          });
          continue;
        }
        const want = expects(cond.fn);
        if (want && !fits(want, attr)) {
          errors.push({
            path: `${where}.${field}`,
            message: `rule "${rule.id}", condition ${i}: ${cond.fn} needs a ${want}, but ${root} is mapped as a ${attr.type}`,
          });
        }
      }
    });
  });
  return { warnings, errors };
}
