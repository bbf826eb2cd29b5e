// Cursors work for every sort value (README → Records): absent, null, numbers,
// booleans, unicode, long text, lists and objects all page without repeating or skipping
// a readable row, in the staff world records-hidden.test.ts also uses (helpers/staff-world.ts).
import fc from 'fast-check';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { call } from '../helpers/api';
import { adminKey, allPages, as, readableOneByOne, setUpStaffWorld, ws } from '../helpers/staff-world';

// Each case makes dozens of real requests against local D1.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

beforeAll(setUpStaffWorld);

describe('cursors work for every sort value', () => {
  it('pages over absent, unicode, long, list and object values return every readable row once', async () => {
    const one = await readableOneByOne('boss', '10.0.0.1');
    for (const sort of ['v', '-v']) {
      for (const limit of [1, 4]) {
        const seen = await allPages('boss', 'staff', { sort }, limit, '10.0.0.1');
        expect(seen.length, `${sort} ${limit}`).toBe(new Set(seen).size);
        expect(new Set(seen), `${sort} ${limit}`).toEqual(one);
      }
    }
  });

  it('property: arbitrary JSON sort values round-trip through cursors', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.option(fc.jsonValue({ maxDepth: 2 }), { nil: undefined }), {
          minLength: 1,
          maxLength: 8,
        }),
        fc.boolean(),
        async (values, desc) => {
          const collection = `prop${Math.random().toString(36).slice(2, 8)}`;
          for (const [r, a] of [
            [collection, 'read'],
            [collection, 'list'],
            [collection, 'create'],
          ])
            await call('PUT', `/v1/workspaces/${ws}/permissions`, {
              key: adminKey,
              body: { resource: r, action: a, policies: ['anyone'] },
            });
          const created: string[] = [];
          for (const [i, v] of values.entries()) {
            const res = await as('boss', 'POST', `/${collection}`, {
              id: `r${i}`,
              data: v === undefined ? {} : { v },
            });
            expect(res.status).toBe(201);
            created.push(`r${i}`);
          }
          const seen = await allPages('boss', collection, { sort: desc ? '-v' : 'v' }, 2);
          expect(seen.length).toBe(created.length);
          expect(new Set(seen)).toEqual(new Set(created));
        },
      ),
      { numRuns: 12 },
    );
  });
});
