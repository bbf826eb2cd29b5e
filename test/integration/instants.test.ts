// Every instant the API accepts is a valid date (±8.64e15 ms, src/contract/instant.ts): a
// property test feeds boundary and random instants, as epoch digits, JSON numbers and ISO
// 8601 text, to every route that takes one (audit from/to, its export and stats, impact
// windows, revocation expiries, simulate's `at`). Out of range is a 4xx problem+json; in
// range is answered (2xx, or a 4xx problem for another reason such as an empty window);
// never a 500.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { call, createWorkspace, json } from '../helpers/api';

const MAX = 8_640_000_000_000_000n;

/** The oracle, written apart from the contract: does this text or number name a valid date? */
function validInstant(v: string | number, { isoOnly = false } = {}): boolean {
  const abs = (n: bigint) => (n < 0n ? -n : n);
  if (typeof v === 'number') return Number.isInteger(v) && abs(BigInt(v)) <= MAX;
  if (/^-?[0-9]+$/.test(v)) return !isoOnly && abs(BigInt(v)) <= MAX;
  return !Number.isNaN(Date.parse(v));
}

const iso = (year: number, rest = '-01-01T00:00:00.000Z') => {
  const y = Math.abs(year)
    .toString()
    .padStart(year < 0 || year > 9999 ? 6 : 4, '0');
  return `${year < 0 ? '-' : year > 9999 ? '+' : ''}${y}${rest}`;
};

const BOUNDARY_TEXT = [
  '8640000000000000',
  '8640000000000001',
  '8639999999999999',
  '9999999999999999',
  '9007199254740993',
  '9'.repeat(40),
  '9'.repeat(400),
  `1${'0'.repeat(30)}`,
  '0',
  '0000000000000000000000001',
  '+275760-09-13T00:00:00.000Z',
  '+275760-09-13T00:00:00.001Z',
  '-271821-04-20T00:00:00.000Z',
  '-271821-04-19T23:59:59.999Z',
  '+275761-01-01T00:00:00Z',
  '+999999-12-31T23:59:59Z',
  '2026-12-07T22:00:00Z',
  '2026-03-29T01:30:00+01:00',
  '1e16',
  '8.64e15',
  'Infinity',
  '-1',
  '-8640000000000000',
  '-8640000000000001',
];
const BOUNDARY_NUMBERS = [8.64e15, 8.64e15 + 2, -8.64e15, -8.64e15 - 2, 9e15, Number.MAX_SAFE_INTEGER, 0, 1];

const digits = fc.oneof(
  fc.bigInt({ min: MAX - 1000n, max: MAX + 1000n }),
  fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n }),
  fc.bigInt({ min: 0n, max: MAX }),
);
/** Query text: boundaries, epoch digits around and far past the limit, ISO text of any year. */
const instantText = fc.oneof(
  fc.constantFrom(...BOUNDARY_TEXT),
  digits.map(String),
  fc.integer({ min: -300_000, max: 300_000 }).map((y) => iso(y)),
  fc
    .constantFrom(275760, -271821)
    .chain((y) =>
      fc
        .tuple(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 10, max: 28 }))
        .map(([m, d]) => iso(y, `-${String(m).padStart(2, '0')}-${d}T00:00:00Z`)),
    ),
);
/** A JSON body's instant: text as above, or a number (within and past the limit). */
const instantValue = fc.oneof(
  instantText,
  fc.constantFrom(...BOUNDARY_NUMBERS),
  fc.maxSafeNat(),
  fc.integer({ min: 8.64e15 - 1000, max: 8.64e15 + 1000 }),
);

/** An answer, never a 500: refused (4xx problem+json) when `valid` is false. */
async function expectAnswered(res: Response, valid: boolean, what: string) {
  const text = new TextDecoder().decode(await res.arrayBuffer());
  expect(res.status, `${what} → ${res.status} ${text.slice(0, 300)}`).toBeLessThan(500);
  if (!valid)
    expect(res.status, `${what} must be refused: ${text.slice(0, 300)}`).toBeGreaterThanOrEqual(400);
  if (res.status >= 400) {
    expect(res.headers.get('content-type'), what).toContain('application/problem+json');
    expect((JSON.parse(text) as { status: number }).status).toBe(res.status);
  }
}

let ws: string;
let key: string;
const RUNS = { numRuns: 40 };

beforeAll(async () => {
  ({ ws, adminKey: key } = await createWorkspace());
});

describe('instants: a valid date or a 4xx, never a 500', () => {
  it('the reported case: stats from 9999999999999999 is a 400 problem, from 8640000000000000 an answer', async () => {
    const bad = await call('GET', `/v1/workspaces/${ws}/audit/stats?from=9999999999999999`, { key });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toContain('application/problem+json');
    const edge = await call('GET', `/v1/workspaces/${ws}/audit/stats?from=0&to=8640000000000000`, { key });
    expect(edge.status).toBe(200);
    expect((await json<{ data: { to: string } }>(edge)).data.to).toBe('+275760-09-13T00:00:00.000Z');
    // The default window a day back from the earliest date stays a date.
    const earliest = encodeURIComponent('-271821-04-20T00:00:00.000Z');
    expect((await call('GET', `/v1/workspaces/${ws}/audit/stats?to=${earliest}`, { key })).status).toBe(200);
  });

  it('audit, export and stats query parameters (from, to)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('audit', 'audit/export', 'audit/stats'),
        fc.constantFrom('from', 'to'),
        instantText,
        async (route, param, v) => {
          const path = `/v1/workspaces/${ws}/${route}?${param}=${encodeURIComponent(v)}`;
          await expectAnswered(await call('GET', path, { key }), validInstant(v), `${route} ${param}=${v}`);
        },
      ),
      { numRuns: 120 },
    );
  });

  it('impact windows (since, until), as numbers and text', async () => {
    await fc.assert(
      fc.asyncProperty(instantValue, fc.option(instantValue, { nil: undefined }), async (since, until) => {
        const res = await call('POST', `/v1/workspaces/${ws}/impact`, {
          key,
          body: { permissions: [], since, ...(until === undefined ? {} : { until }), mode: 'inline' },
        });
        const valid = validInstant(since) && (until === undefined || validInstant(until));
        await expectAnswered(res, valid, `impact since=${since} until=${until}`);
      }),
      { numRuns: 60 },
    );
    // Spans stay valid: the longest is 999,999 days back, a refusal for its size, not a 500.
    await expectAnswered(
      await call('POST', `/v1/workspaces/${ws}/impact`, { key, body: { permissions: [], since: '999999d' } }),
      true,
      'impact since=999999d',
    );
  });

  it('revocation expiries and simulate instants (ISO 8601 only)', async () => {
    await fc.assert(
      fc.asyncProperty(instantValue, async (v) => {
        const valid = typeof v === 'string' && validInstant(v, { isoOnly: true });
        const revoke = await call('POST', `/v1/workspaces/${ws}/revocations`, {
          key,
          body: { kind: 'sub', value: `instant-${String(v).slice(0, 40)}`, expiresAt: v },
        });
        // Out of range is refused; in range may still be refused by the ISO grammar (no ±YYYYYY years).
        await expectAnswered(revoke, valid, `revocation expiresAt=${v}`);
        const simulate = await call('POST', `/v1/workspaces/${ws}/simulate`, {
          key,
          body: { resource: 'orders', action: 'approve', at: v },
        });
        await expectAnswered(simulate, valid, `simulate at=${v}`);
      }),
      RUNS,
    );
  });
});
