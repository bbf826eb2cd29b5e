/**
 * Row-level filtering, part 1: the applicable `read` rules become a SQL pre-filter over
 * the records table. The pre-filter is a SUPERSET of what the policies allow: every
 * row it drops is one the evaluator would deny, and every row it keeps is then checked
 * by the same compiled evaluator (part 2, in list-records.ts). So the SQL can make a
 * list faster, never wider.
 *
 * Per rule: a condition on record.<field> translates to SQL when its function has an
 * exact or superset SQL form (comparisons, string equality/in/prefix, presence);
 * a condition that does not mention the record is evaluated now against the caller
 * (true → dropped, false → the rule cannot match); anything else makes the rule
 * "untranslated" (the pre-filter keeps every row for it) and is reported.
 * Deny rules are left to the evaluator (dropping rows by NOT(deny) in SQL would not
 * be superset-safe under indeterminate conditions).
 */
import type { AttributeResolver } from '../policy/attributes';
import type { CompiledCondition, CompiledPolicy } from '../policy/compiled';
import { FUNCTIONS } from '../policy/functions';

export type SqlFragment = { sql: string; params: unknown[] };
export type Prefilter = { where: SqlFragment; untranslated: string[] };

const FIELD = /^[A-Za-z0-9_$-]{1,128}$/;

/** SQL for a record attribute path (record.owner / record.id are columns). */
export function fieldSql(path: readonly string[]): string | undefined {
  const rest = path.slice(1);
  if (rest.length === 1 && rest[0] === 'owner') return 'owner';
  if (rest.length === 1 && rest[0] === 'id') return 'id';
  // Policies see owner and id as Verdict's strings (policyView), never the data's own
  // fields of that name, so a path below them names nothing SQL can read.
  if (rest[0] === 'owner' || rest[0] === 'id') return undefined;
  if (rest.length === 0 || !rest.every((s) => FIELD.test(s))) return undefined;
  return `json_extract(data, '$.${rest.map((s) => `"${s}"`).join('.')}')`;
}

const isRecord = (path: readonly string[]) => path[0] === 'record';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** No lone surrogates: the string means the same in UTF-16 (JavaScript) and UTF-8 (SQLite). */
const wellFormed = (s: string) => !LONE_SURROGATE.test(s);

type Translated =
  | { kind: 'sql'; frag: SqlFragment }
  | { kind: 'true' }
  | { kind: 'false' }
  | { kind: 'untranslated' };

const NUMERIC_OPS: Record<string, string> = {
  equal: '=',
  not_equal: '<>',
  less_than: '<',
  less_equal: '<=',
  greater_than: '>',
  greater_equal: '>=',
};

function operandValue(
  c: CompiledCondition,
  r: AttributeResolver,
): { ok: true; value: unknown } | { ok: false } {
  if (!c.operand) return { ok: false };
  if (c.operand.kind === 'const') return { ok: true, value: c.operand.value };
  if (isRecord(c.operand.path)) return { ok: false };
  const v = r.get(c.operand.path);
  return v === undefined ? { ok: false } : { ok: true, value: v };
}

function translate(
  c: CompiledCondition,
  r: AttributeResolver,
  holds: (c: CompiledCondition) => boolean,
): Translated {
  const onRecord = isRecord(c.path) || (c.operand?.kind === 'attr' && isRecord(c.operand.path));
  if (!onRecord) return holds(c) ? { kind: 'true' } : { kind: 'false' };
  if (!isRecord(c.path)) return { kind: 'untranslated' };
  const col = fieldSql(c.path);
  if (!col) return { kind: 'untranslated' };
  if (c.fn === 'is_present') return { kind: 'sql', frag: { sql: `${col} IS NOT NULL`, params: [] } };
  if (c.fn === 'is_absent') return { kind: 'sql', frag: { sql: `${col} IS NULL`, params: [] } };
  const operand = operandValue(c, r);
  if (c.operand?.kind === 'attr' && isRecord(c.operand.path)) return { kind: 'untranslated' };
  if (!operand.ok) return { kind: 'false' }; // an absent subject attribute: indeterminate, never matches
  const spec = FUNCTIONS[c.fn];
  const coerced =
    spec?.operandFromAttr && c.operand?.kind === 'attr'
      ? spec.operandFromAttr(operand.value)
      : { ok: true as const, value: operand.value };
  if (!coerced.ok) return { kind: 'false' };
  const v = coerced.value;
  const [family, ...opParts] = c.fn.split('_');
  const op = NUMERIC_OPS[opParts.join('_')];
  const isColumn = col === 'owner' || col === 'id';
  const typeOf = isColumn
    ? `'text'`
    : `json_type(data, '$.${c.path
        .slice(1)
        .map((s) => `"${s}"`)
        .join('.')}')`;
  if ((family === 'integer' || family === 'double') && op && typeof v === 'number' && Number.isFinite(v)) {
    // Numbers compare in SQL with bounds widened by a hair, so SQLite's reading of a
    // stored decimal can never exclude a row the evaluator (JavaScript) would allow;
    // numeric strings (which the evaluator may coerce) pass through to it.
    const slack = Math.abs(v) * 2 ** -40 + 2 ** -1000;
    const number = `${typeOf} IN ('integer','real')`;
    // A bound that overflows to ±Infinity would bind as NULL: leave that side open.
    const hi = Number.isFinite(v + slack) ? v + slack : undefined;
    const lo = Number.isFinite(v - slack) ? v - slack : undefined;
    const atMost: SqlFragment | undefined =
      hi === undefined ? undefined : { sql: `${col} <= ?`, params: [hi] };
    const atLeast: SqlFragment | undefined =
      lo === undefined ? undefined : { sql: `${col} >= ?`, params: [lo] };
    const always: SqlFragment = { sql: '1', params: [] };
    let test: SqlFragment;
    if (op === '<' || op === '<=') test = atMost ?? always;
    else if (op === '>' || op === '>=') test = atLeast ?? always;
    else if (op === '=') {
      const sides = [atLeast, atMost].filter((f): f is SqlFragment => f !== undefined);
      test =
        sides.length === 0
          ? always
          : { sql: sides.map((f) => f.sql).join(' AND '), params: sides.flatMap((f) => f.params) };
    } else test = always;
    return {
      kind: 'sql',
      frag: { sql: `((${number} AND ${test.sql}) OR ${typeOf} = 'text')`, params: test.params },
    };
  }
  // Text compares as UTF-8 in SQLite and as UTF-16 in the evaluator: they agree only on
  // well-formed strings, so a constant with a lone surrogate is left to the evaluator.
  if (typeof v === 'string' && wellFormed(v)) {
    if (c.fn === 'string_equal')
      return { kind: 'sql', frag: { sql: `(${typeOf} = 'text' AND ${col} = ?)`, params: [v] } };
    if (c.fn === 'string_not_equal')
      return { kind: 'sql', frag: { sql: `(${typeOf} = 'text' AND ${col} <> ?)`, params: [v] } };
    if (c.fn === 'string_starts_with') {
      // Every string starts with "" (and substr() of an empty blob is NULL in SQLite).
      if (v === '') return { kind: 'sql', frag: { sql: `(${typeOf} = 'text')`, params: [] } };
      // A byte prefix: substr() on text counts characters, JavaScript counts UTF-16 units.
      return {
        kind: 'sql',
        frag: {
          sql: `(${typeOf} = 'text' AND substr(CAST(${col} AS BLOB), 1, ?) = CAST(? AS BLOB))`,
          params: [new TextEncoder().encode(v).byteLength, v],
        },
      };
    }
  }
  if (
    c.fn === 'string_in' &&
    Array.isArray(v) &&
    v.length > 0 &&
    v.every((x) => typeof x === 'string' && wellFormed(x))
  ) {
    // One JSON parameter, whatever the list's length (D1 binds at most 100 per statement).
    return {
      kind: 'sql',
      frag: {
        sql: `(${typeOf} = 'text' AND ${col} IN (SELECT value FROM json_each(?)))`,
        params: [JSON.stringify(v)],
      },
    };
  }
  return { kind: 'untranslated' };
}

/**
 * The pre-filter for the policies bound to (collection, read), for one caller.
 * `holds` evaluates a condition that does not involve the record against the caller.
 */
export function buildPrefilter(
  policies: readonly CompiledPolicy[],
  r: AttributeResolver,
  holds: (c: CompiledCondition) => boolean,
): Prefilter {
  const untranslated: string[] = [];
  if (policies.length === 0) return { where: { sql: '0', params: [] }, untranslated };
  // A policy whose default is Allow lets rows through without any rule: no pre-filter.
  if (policies.every((p) => p.default.effect === 'Allow'))
    return { where: { sql: '1', params: [] }, untranslated: ['(default Allow)'] };
  const alternatives: SqlFragment[] = [];
  for (const p of policies) {
    for (const rule of p.rules) {
      if (rule.effect !== 'Allow') continue;
      const parts: SqlFragment[] = [];
      let possible = true;
      let exact = true;
      for (const c of rule.conditions) {
        const t = translate(c, r, holds);
        if (t.kind === 'false') possible = false;
        else if (t.kind === 'untranslated') exact = false;
        else if (t.kind === 'sql') parts.push(t.frag);
      }
      if (!possible) continue;
      if (!exact) {
        untranslated.push(`${p.name}/${rule.id}`);
        return { where: { sql: '1', params: [] }, untranslated };
      }
      alternatives.push(
        parts.length === 0
          ? { sql: '1', params: [] }
          : { sql: parts.map((f) => f.sql).join(' AND '), params: parts.flatMap((f) => f.params) },
      );
    }
  }
  if (alternatives.length === 0) return { where: { sql: '0', params: [] }, untranslated };
  return {
    where: {
      sql: alternatives.map((a) => `(${a.sql})`).join(' OR '),
      params: alternatives.flatMap((a) => a.params),
    },
    untranslated,
  };
}
