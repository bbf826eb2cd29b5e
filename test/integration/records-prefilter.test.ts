// The records SQL pre-filter (src/records/policy-to-sql.ts) against the evaluator, on the
// real D1: whatever the policies and whatever the rows hold, every row the evaluator
// allows must be among the rows the pre-filter keeps (the SQL may keep more, never less).
// Rows are read back from D1 before the evaluator sees them, as list-records.ts does, so
// both sides judge the same stored values.
import { env } from 'cloudflare:workers';
import fc from 'fast-check';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { AttributeResolver, type RequestInput } from '../../src/policy/attributes';
import { compilePolicy } from '../../src/policy/compile-policy';
import { bindingKey, type CompiledPolicy, type CompiledPolicySet } from '../../src/policy/compiled';
import { applicablePolicies, buildEngine, conditionHolds } from '../../src/policy/evaluate';
import { buildPrefilter, type Prefilter } from '../../src/records/policy-to-sql';
import { fromRow, policyView, type RecordRow } from '../../src/storage/records';
import { createWorkspace } from '../helpers/api';

vi.setConfig({ testTimeout: 120_000 });

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Cond = {
  function: string;
  attribute: string;
  value?: unknown;
  value_from_attribute?: string;
  metadata_key?: string;
};
type Rule = { rule_id: string; effect: 'Allow' | 'Deny'; conditions: Cond[] };
type PolicyDoc = {
  name: string;
  specification: { rules: Rule[]; default: { rule_id: string; effect: 'Allow' | 'Deny' } };
};

const NOW = Date.UTC(2026, 4, 6, 10, 30); // a Wednesday, 10:30 UTC

// Strings where UTF-16 (JavaScript) and UTF-8 (SQLite) disagree on lengths and order:
// astral, combining, CJK, the euro sign, empty, lone surrogates, and numeric-looking text.
const STRINGS = [
  '𝔄',
  '𝔄x',
  '𝔄𝔄',
  '𝔅',
  'e\u0301',
  'é',
  'e',
  'E',
  '中文',
  '中',
  '文字',
  '€',
  '€5',
  '',
  ' ',
  'a',
  'ab',
  'abc',
  'A',
  'z',
  '😀',
  'ß',
  '\u0000',
  'a\u0000b',
  'x\uD800',
  '\uDC00',
  '1000',
  '1.5',
  '6e4',
  '-3',
  '007',
  '0',
  'null',
  'true',
];
const NUMBERS = [
  0,
  -0,
  1,
  -1,
  3,
  0.1,
  0.2,
  0.3,
  0.30000000000000004,
  1.5,
  1000,
  60000,
  1e21,
  -1e21,
  2 ** 53 - 1,
  2 ** 53,
  -(2 ** 53 - 1),
  1e-7,
  5e-324,
  1.7976931348623157e308,
  123456789.123,
  1e20,
  -1e20,
  2 ** 63,
  2 ** 64,
];
const FIELDS = ['title', 'n', 'tag', 'a-b', '$x', 'owner', 'id'] as const;

const str = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...STRINGS) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 4 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 3 }) },
);
const num = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom(...NUMBERS) },
  { weight: 2, arbitrary: fc.integer({ min: -2000, max: 2000 }) },
  { weight: 1, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }) },
);
const int = fc.oneof(
  fc.constantFrom(0, 1, -1, 3, 1000, 60000, 2 ** 53 - 1, -(2 ** 53 - 1)),
  fc.integer({ min: -2000, max: 2000 }),
);
const numericString = fc.constantFrom('1000', '1.5', '6e4', '-3', '0', '007', '1.0', '60000', '3');
const scalar: fc.Arbitrary<Json> = fc.oneof(
  { weight: 5, arbitrary: str },
  { weight: 4, arbitrary: num },
  { weight: 2, arbitrary: numericString },
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.boolean() },
);
const fieldValue: fc.Arbitrary<Json> = fc.oneof(
  { weight: 8, arbitrary: scalar },
  { weight: 1, arbitrary: fc.array(scalar, { maxLength: 3 }) },
  { weight: 3, arbitrary: fc.dictionary(fc.constantFrom('k', 'title'), scalar, { maxKeys: 2 }) },
);
const recordData = fc.dictionary(fc.constantFrom(...FIELDS), fieldValue, { maxKeys: 6 }) as fc.Arbitrary<
  Record<string, Json>
>;
// Data may shadow the columns policies see as record.id / record.owner (policyView sets them).
const shadow = fc.option(
  fc.record({ field: fc.constantFrom('id', 'owner'), value: fc.dictionary(fc.constant('k'), scalar) }),
  { nil: undefined },
);
const recordArb = fc.record({ owner: str, data: recordData, shadow }).map(({ owner, data, shadow }) => ({
  owner,
  data: shadow ? { ...data, [shadow.field]: shadow.value } : data,
}));

// Attribute paths a condition may read: fields of the record (nested ones included).
const recordPath = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom(...FIELDS.map((f) => `record.${f}`)) },
  { weight: 3, arbitrary: fc.constantFrom(...FIELDS.map((f) => `record.${f}.k`)) },
);
const subjectOperand = fc.constantFrom('ext_s', 'ext_n', 'ext_list', 'ext_absent', 'ext_numstr', 'sub');
const recordOperand = fc.constantFrom('record.title', 'record.n', 'record.owner');

/** A value of the operand type `fn` takes as a constant. */
function constantFor(fn: string): fc.Arbitrary<unknown> {
  if (fn === 'string_in' || fn === 'string_not_in')
    return fc.oneof(
      fc.array(str, { minLength: 1, maxLength: 8 }),
      fc.array(str, { minLength: 60, maxLength: 100 }),
    );
  if (fn.startsWith('integer_')) return fc.oneof(int, fc.constantFrom('1000', '-3', '0'));
  if (fn.startsWith('double_')) return fc.oneof(num, fc.constantFrom('1.5', '1000', '0.1'));
  return str;
}

const TRANSLATABLE = [
  'string_equal',
  'string_not_equal',
  'string_starts_with',
  'string_in',
  ...['integer', 'double'].flatMap((t) =>
    ['equal', 'not_equal', 'less_than', 'less_equal', 'greater_than', 'greater_equal'].map(
      (op) => `${t}_${op}`,
    ),
  ),
];
// Not translatable: they make their rule "untranslated" (the pre-filter keeps every row).
const OTHER = ['string_contains', 'string_ends_with', 'string_not_in', 'list_contains'];

const recordCondition: fc.Arbitrary<Cond> = fc.oneof(
  {
    weight: 10,
    arbitrary: fc
      .tuple(fc.constantFrom(...TRANSLATABLE), recordPath)
      .chain(([fn, attribute]) =>
        constantFor(fn).map((value) => ({ function: fn, attribute, value }) as Cond),
      ),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      function: fc.constantFrom(...TRANSLATABLE),
      attribute: recordPath,
      value_from_attribute: subjectOperand,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      function: fc.constantFrom('string_equal', 'integer_less_equal', 'string_in'),
      attribute: recordPath,
      value_from_attribute: recordOperand,
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({ function: fc.constantFrom('is_present', 'is_absent'), attribute: recordPath }),
  },
  {
    weight: 1,
    arbitrary: fc
      .record({
        function: fc.constantFrom('is_present', 'is_absent', 'string_not_equal'),
        attribute: fc.constantFrom('record.owner.k', 'record.id.k'),
      })
      .map((c) => (c.function === 'string_not_equal' ? { ...c, value: 'zz' } : c)),
  },
  {
    weight: 1,
    arbitrary: fc
      .record({
        function: fc.constantFrom(...OTHER),
        attribute: recordPath,
        value: fc.constantFrom('a', '𝔄'),
      })
      .map((c) => (c.function === 'string_not_in' ? { ...c, value: [c.value] } : c)),
  },
);

// Conditions that do not read the record: decided once per caller (true → dropped, false →
// the rule cannot match), or indeterminate (ip unknown to a list, a subject attribute that
// does not read as the function's type).
const callerCondition: fc.Arbitrary<Cond> = fc.oneof(
  fc.record({
    function: fc.constantFrom('string_equal', 'string_not_equal'),
    attribute: fc.constantFrom('ext_role', 'ext_s', 'ext_absent', 'sub'),
    value: fc.constantFrom('admin', 'user', '𝔄', ''),
  }),
  fc.record({
    function: fc.constantFrom('integer_greater_equal', 'double_less_than'),
    attribute: fc.constantFrom('ext_n', 'ext_numstr', 'ext_s'),
    value: fc.constantFrom(0, 1000, -1),
  }),
  fc.record({
    function: fc.constant('ip_in_cidr'),
    attribute: fc.constant('ip'),
    value: fc.constant('10.0.0.0/8'),
  }),
  fc.record({
    function: fc.constant('boolean_equal'),
    attribute: fc.constant('is_weekend'),
    value: fc.boolean(),
  }),
  fc.record({
    function: fc.constantFrom('is_present', 'is_absent'),
    attribute: fc.constantFrom('ext_s', 'ext_absent'),
  }),
  fc.record({
    function: fc.constant('string_equal'),
    attribute: fc.constantFrom('ext_s', 'ext_role'),
    value_from_attribute: fc.constantFrom('record.title', 'record.owner'),
  }),
  fc.record({
    function: fc.constant('integer_less_equal'),
    attribute: fc.constant('request_metadata'),
    metadata_key: fc.constant('amount'),
    value: fc.constant(10),
  }),
);

const conditionArb = fc.oneof(
  { weight: 4, arbitrary: recordCondition },
  { weight: 1, arbitrary: callerCondition },
);

const ruleArb = fc.record({
  effect: fc.constantFrom<'Allow' | 'Deny'>('Allow', 'Allow', 'Allow', 'Deny'),
  conditions: fc.array(conditionArb, { maxLength: 3 }),
});

const policyArb = (name: string): fc.Arbitrary<PolicyDoc> =>
  fc
    .record({
      rules: fc.array(ruleArb, { minLength: 1, maxLength: 4 }),
      defaultEffect: fc.constantFrom<'Allow' | 'Deny'>('Deny', 'Deny', 'Deny', 'Allow'),
    })
    .map(({ rules, defaultEffect }) => ({
      name,
      specification: {
        rules: rules.map((r, i) => ({ rule_id: `r${i}`, ...r })),
        default: { rule_id: 'd', effect: defaultEffect },
      },
    }));

const attributesArb = fc.record({
  ext_s: fc.oneof(str, num),
  ext_n: fc.oneof(num, numericString, str),
  ext_list: fc.oneof(fc.array(str, { maxLength: 4 }), str),
  ext_numstr: numericString,
  ext_role: fc.constantFrom('admin', 'user'),
});

function compileAll(docs: PolicyDoc[]): CompiledPolicy[] | undefined {
  const out: CompiledPolicy[] = [];
  for (const doc of docs) {
    const compiled = compilePolicy(doc, 1);
    if (!compiled.ok) return undefined;
    out.push(compiled.policy);
  }
  return out;
}

let ws: string;
let seq = 0;

beforeAll(async () => {
  ws = (await createWorkspace()).ws;
});

type Outcome = { prefilter: Prefilter; kept: Set<string>; allowed: string[]; rows: RecordRow[] };

/**
 * Stores `records` in a fresh collection, builds the pre-filter and the engine for
 * `policies` (bound to that collection's `read`) and one caller, and returns the ids
 * the SQL keeps and the ids the evaluator allows.
 */
async function judge(
  records: { owner: string; data: Record<string, unknown> }[],
  policies: CompiledPolicy[],
  caller: { attributes: Record<string, unknown>; ip?: string },
): Promise<Outcome> {
  const collection = `pf${++seq}`;
  const set: CompiledPolicySet = {
    version: 1,
    timezone: 'UTC',
    policies: Object.fromEntries(policies.map((p) => [p.name, p])),
    bindings: { [bindingKey(collection, 'read')]: policies.map((p) => p.name) },
  };
  const engine = buildEngine(set);
  const base: RequestInput = {
    attributes: { sub: 'user-1', issuer: 'https://idp.test', provider: 'p', ...caller.attributes },
    resource: collection,
    action: 'read',
    context: {},
    ...(caller.ip ? { ip: caller.ip } : {}),
    now: NOW,
    timezone: 'UTC',
  };
  const resolver = new AttributeResolver(base);
  const prefilter = buildPrefilter(applicablePolicies(set, collection, 'read'), resolver, (c) =>
    conditionHolds(c, resolver),
  );

  const insert = env.DB.prepare(
    'INSERT INTO records (workspace_id, collection, id, data, owner, version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 1, ?, ?)',
  );
  if (records.length > 0)
    await env.DB.batch(
      records.map((r, i) => insert.bind(ws, collection, `r${i}`, JSON.stringify(r.data), r.owner, NOW, NOW)),
    );
  // The evaluator judges the rows as stored (what list-records.ts decides on).
  const rows = (
    await env.DB.prepare(
      'SELECT id, data, owner, version, created_at, updated_at FROM records WHERE workspace_id = ? AND collection = ?',
    )
      .bind(ws, collection)
      .all<RecordRow>()
  ).results;
  const kept = (
    await env.DB.prepare(
      `SELECT id FROM records WHERE workspace_id = ? AND collection = ? AND (${prefilter.where.sql})`,
    )
      .bind(ws, collection, ...prefilter.where.params)
      .all<{ id: string }>()
  ).results;
  const allowed = rows
    .filter((row) => engine.decide({ ...base, record: policyView(fromRow(row)) }).effect === 'Allow')
    .map((row) => row.id);
  return { prefilter, kept: new Set(kept.map((r) => r.id)), allowed, rows };
}

const missing = (o: Outcome) => o.allowed.filter((id) => !o.kept.has(id));

describe('the records pre-filter is a superset of the evaluator', () => {
  it('for random policies, callers and rows (unicode, numbers, numeric strings, null, lists, objects)', async () => {
    let translatedRuns = 0;
    let allowedRows = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(recordArb, { minLength: 1, maxLength: 12 }),
        fc.tuple(policyArb('p0'), fc.option(policyArb('p1'), { nil: undefined })),
        attributesArb,
        fc.option(fc.constantFrom('10.1.2.3', '192.0.2.1'), { nil: undefined }),
        async (records, [p0, p1], attributes, ip) => {
          const policies = compileAll(p1 ? [p0, p1] : [p0]);
          if (!policies) throw new Error(`a generated policy does not compile: ${JSON.stringify([p0, p1])}`);
          const outcome = await judge(records, policies, { attributes, ...(ip ? { ip } : {}) });
          if (outcome.prefilter.untranslated.length === 0) translatedRuns++;
          allowedRows += outcome.allowed.length;
          const rows = outcome.rows.filter((r) => missing(outcome).includes(r.id));
          expect(
            missing(outcome),
            `SQL: ${outcome.prefilter.where.sql}\nparams: ${JSON.stringify(outcome.prefilter.where.params)}\nrows dropped but allowed: ${JSON.stringify(rows)}`,
          ).toEqual([]);
        },
      ),
      { numRuns: 1000 },
    );
    // The property says something only if the SQL filtered and the evaluator allowed.
    expect(translatedRuns).toBeGreaterThan(30);
    expect(allowedRows).toBeGreaterThan(30);
  });
});

describe('direct cases', () => {
  const compile = (conditions: Cond[][]) =>
    compileAll([
      {
        name: 'p',
        specification: {
          rules: conditions.map((c, i) => ({ rule_id: `r${i}`, effect: 'Allow' as const, conditions: c })),
          default: { rule_id: 'd', effect: 'Deny' },
        },
      },
    ]) as CompiledPolicy[];

  it('string_starts_with "𝔄" keeps the rows titled "𝔄x" and "𝔄" (a byte prefix, not a UTF-16 count)', async () => {
    const policies = compile([[{ function: 'string_starts_with', attribute: 'record.title', value: '𝔄' }]]);
    const outcome = await judge(
      [
        { owner: 'u', data: { title: '𝔄x' } },
        { owner: 'u', data: { title: '𝔄' } },
        { owner: 'u', data: { title: 'x𝔄' } },
        { owner: 'u', data: { title: '𝔅x' } },
      ],
      policies,
      { attributes: {} },
    );
    expect(outcome.prefilter.untranslated).toEqual([]);
    expect(outcome.allowed.sort()).toEqual(['r0', 'r1']);
    expect([...outcome.kept].sort()).toEqual(['r0', 'r1']);
  });

  it('string_starts_with on a combining sequence and CJK keeps exactly the prefixed rows', async () => {
    const policies = compile([
      [{ function: 'string_starts_with', attribute: 'record.title', value: 'e\u0301' }],
      [{ function: 'string_starts_with', attribute: 'record.tag', value: '中' }],
    ]);
    const outcome = await judge(
      [
        { owner: 'u', data: { title: 'e\u0301t\u00e9' } },
        { owner: 'u', data: { title: 'été' } },
        { owner: 'u', data: { tag: '中文' } },
        { owner: 'u', data: { tag: '文中' } },
      ],
      policies,
      { attributes: {} },
    );
    expect(outcome.allowed.sort()).toEqual(['r0', 'r2']);
    expect([...outcome.kept].sort()).toEqual(['r0', 'r2']);
  });

  const values = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

  it('string_in with 100 values runs in SQL without error and keeps the matching rows', async () => {
    const policies = compile([
      [{ function: 'string_in', attribute: 'record.tag', value: [...values('t', 99), '𝔄'] }],
    ]);
    const outcome = await judge(
      [
        { owner: 'x', data: { tag: '𝔄' } },
        { owner: 'x', data: { tag: 't42' } },
        { owner: 'x', data: { tag: 't100' } },
        { owner: 'x', data: { tag: 42 } },
      ],
      policies,
      { attributes: {} },
    );
    expect(outcome.allowed.sort()).toEqual(['r0', 'r1']);
    expect(missing(outcome)).toEqual([]);
  });

  it('three string_in rules of 50 values each still make one statement D1 accepts', async () => {
    const policies = compile([
      [{ function: 'string_in', attribute: 'record.tag', value: values('t', 50) }],
      [{ function: 'string_in', attribute: 'record.title', value: values('a', 50) }],
      [{ function: 'string_in', attribute: 'record.owner', value: values('o', 50) }],
    ]);
    const outcome = await judge(
      [
        { owner: 'x', data: { tag: 't42' } },
        { owner: 'x', data: { title: 'a49' } },
        { owner: 'o7', data: {} },
        { owner: 'x', data: { tag: 't50', title: 'a50' } },
      ],
      policies,
      { attributes: {} },
    );
    expect(outcome.allowed.sort()).toEqual(['r0', 'r1', 'r2']);
    expect(missing(outcome)).toEqual([]);
  });

  it('a path under record.owner or record.id reads what the evaluator reads', async () => {
    const policies = compile([
      [{ function: 'is_absent', attribute: 'record.owner.k' }],
      [{ function: 'is_absent', attribute: 'record.id.k' }],
    ]);
    const outcome = await judge([{ owner: 'u', data: { owner: { k: 'a' }, id: { k: 'b' } } }], policies, {
      attributes: {},
    });
    expect(outcome.allowed).toEqual(['r0']);
    expect(missing(outcome)).toEqual([]);
  });

  it('numbers at the ends of the double range compare in SQL as the evaluator compares them', async () => {
    const max = Number.MAX_VALUE;
    const policies = compile([
      [{ function: 'double_equal', attribute: 'record.n', value: max }],
      [{ function: 'double_less_equal', attribute: 'record.m', value: max }],
      [{ function: 'double_greater_equal', attribute: 'record.k', value: -max }],
    ]);
    const outcome = await judge(
      [
        { owner: 'u', data: { n: max } },
        { owner: 'u', data: { m: 1 } },
        { owner: 'u', data: { k: -1 } },
        { owner: 'u', data: { n: 1, m: 'x', k: 'y' } },
      ],
      policies,
      { attributes: {} },
    );
    expect(outcome.allowed.sort()).toEqual(['r0', 'r1', 'r2']);
    expect(missing(outcome), JSON.stringify(outcome.prefilter.where)).toEqual([]);
  });

  it('string_starts_with "" keeps every text row, the empty string included', async () => {
    const policies = compile([[{ function: 'string_starts_with', attribute: 'record.tag', value: '' }]]);
    const outcome = await judge(
      [
        { owner: 'u', data: { tag: '' } },
        { owner: 'u', data: { tag: 'a' } },
        { owner: 'u', data: { tag: '𝔄' } },
        { owner: 'u', data: { tag: 1 } },
      ],
      policies,
      { attributes: {} },
    );
    expect(outcome.allowed.sort()).toEqual(['r0', 'r1', 'r2']);
    expect(missing(outcome), JSON.stringify(outcome.prefilter.where)).toEqual([]);
  });
});
