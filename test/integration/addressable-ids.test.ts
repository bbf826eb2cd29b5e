// Every id the API accepts can be addressed afterwards, by every route that names it and
// through the SDK: an accepted id round-trips (create → read → update → delete), raw in
// the URL where its grammar needs no encoding, percent-encoded as encodeURIComponent does,
// and with every byte percent-encoded. An id no URL can carry ("." and "..", which URL
// parsers read as navigation; a lone UTF-16 surrogate, which has no percent-encoding) is
// refused when written (400), never stored. Property tests over each id kind's grammar,
// biased towards dots, encodings and odd characters; each kind has fixed positive twins.
import { exports } from 'cloudflare:workers';
import fc from 'fast-check';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { VerdictClient, VerdictError } from '../../sdk/src';
import { COLLECTION, NAME, WORKSPACE_ID } from '../../src/contract';
import { call, expectProblem, json, ROOT } from '../helpers/api';
import { registerIdp, sign, trustingWorkspace } from '../helpers/idp';

vi.setConfig({ testTimeout: 120_000 });

type Mode = 'raw' | 'component' | 'every-byte';
const MODES: Mode[] = ['raw', 'component', 'every-byte'];
const RAW_SAFE = /^[A-Za-z0-9._~:@+!$&'()*,=-]*$/;

/** `id` as a URL path segment (or query value) in `mode`; undefined when raw cannot carry it. */
function encode(id: string, mode: Mode): string | undefined {
  if (mode === 'raw') return RAW_SAFE.test(id) ? id : undefined;
  if (mode === 'component') return encodeURIComponent(id);
  return [...new TextEncoder().encode(id)]
    .map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`)
    .join('');
}
/** Every mode that can carry `id` (none when it has no UTF-8 form, e.g. a lone surrogate). */
function encodings(id: string): string[] {
  try {
    encodeURIComponent(id);
  } catch {
    return [];
  }
  return MODES.map((m) => encode(id, m)).filter((e): e is string => e !== undefined);
}

const DOTTY = ['.', '..', '...', '....', 'a.', '.a', '..a', 'a..', 'a.b'];
/** Strings of `chars`, with dots-only and dotty strings often. */
const idsOf = (chars: string, max: number) =>
  fc.oneof(
    fc.string({ unit: fc.constantFrom(...chars), minLength: 1, maxLength: max }),
    fc.string({ unit: fc.constant('.'), minLength: 1, maxLength: 4 }),
    fc.constantFrom(...DOTTY),
  );
/** Any text: every code point (lone surrogates included), URL syntax, dots. */
const anyText = fc.oneof(
  fc.string({ unit: 'binary', minLength: 1, maxLength: 10 }),
  fc.string({
    unit: fc.constantFrom('.', '/', '%', '?', '#', ' ', '\\', '+', 'a', 'é', '🙂', '\u0000', '\t'),
    minLength: 1,
    maxLength: 6,
  }),
  fc.constantFrom(...DOTTY, '/', '%2e', '%2E%2E', '\ud800', 'a\udc00', 'x\ud83d', '🙂', 'a b', '?q', '#f'),
);

let ws = '';
let key = '';
let idp = '';
let token = '';
let sdk: VerdictClient;
const W = () => `/v1/workspaces/${ws}`;
const workerFetch: typeof fetch = (input, init) => exports.default.fetch(new Request(input, init));

beforeAll(async () => {
  ({ ws, adminKey: key, idp } = await trustingWorkspace('ids'));
  token = await sign(idp, { sub: 'owner-1', aud: 'verdict' });
  sdk = new VerdictClient({
    baseUrl: 'http://verdict.test',
    workspaceId: ws,
    apiKey: key,
    token,
    fetch: workerFetch,
  });
});

let collections = 0;
const freshCollection = () => `c${Date.now().toString(36)}${++collections}`;

/** An accepted id must be refused only with a 400 problem, and then nowhere stored. */
async function expectRefusedId(res: Response) {
  await expectProblem(res, 400, 'validation_failed');
}

describe('record ids', () => {
  async function roundTrip(collection: string, id: string) {
    const rec = `${W()}/records/${collection}`;
    for (const e of encodings(id)) {
      const read = await call('GET', `${rec}/${e}`, { headers: { authorization: `Bearer ${token}` } });
      expect(read.status, `GET ${e}`).toBe(200);
      expect((await json<{ data: { id: string } }>(read)).data.id).toBe(id);
      const patch = await call('PATCH', `${rec}/${e}`, {
        headers: { authorization: `Bearer ${token}` },
        body: { data: { seen: e } },
      });
      expect(patch.status, `PATCH ${e}`).toBe(200);
    }
    // Through the SDK as well.
    expect((await sdk.getRecord(collection, id)).data.id).toBe(id);
    expect((await sdk.updateRecord(collection, id, { via: 'sdk' })).data.data.via).toBe('sdk');
    const [first] = encodings(id);
    const del = await call('DELETE', `${rec}/${first}`, { headers: { authorization: `Bearer ${token}` } });
    expect(del.status, `DELETE ${first}`).toBe(204);
    expect(
      (await call('GET', `${rec}/${first}`, { headers: { authorization: `Bearer ${token}` } })).status,
    ).toBe(404);
  }

  it('property: an id accepted by create or import round-trips through every route and the SDK', async () => {
    await fc.assert(
      fc.asyncProperty(idsOf('abAB09_.:@+-', 8), fc.boolean(), async (id, viaImport) => {
        const collection = freshCollection();
        const res = viaImport
          ? await call('POST', `${W()}/records/${collection}/import`, {
              key,
              body: { records: [{ id, data: { n: 1 } }] },
            })
          : await call('POST', `${W()}/records/${collection}`, {
              headers: { authorization: `Bearer ${token}` },
              body: { id, data: { n: 1 } },
            });
        if (res.status === 400) {
          await expectRefusedId(res);
          return;
        }
        expect(res.status, `${id}: ${await res.clone().text()}`).toBe(viaImport ? 200 : 201);
        await roundTrip(collection, id);
      }),
      { numRuns: 60 },
    );
  });

  it('"." and ".." (and any dots-only id) are refused by create and import: 400, nothing stored', async () => {
    for (const id of ['.', '..', '...']) {
      const collection = freshCollection();
      await expectRefusedId(
        await call('POST', `${W()}/records/${collection}`, {
          headers: { authorization: `Bearer ${token}` },
          body: { id, data: {} },
        }),
      );
      await expectRefusedId(
        await call('POST', `${W()}/records/${collection}/import`, {
          key,
          body: { records: [{ id, data: {} }] },
        }),
      );
      const list = await call('POST', `${W()}/records/${collection}/query`, {
        headers: { authorization: `Bearer ${token}` },
        body: {},
      });
      expect((await json<{ data: unknown[] }>(list)).data).toEqual([]);
    }
  });

  it('positive twin: ids with dots among other characters are accepted and addressable', async () => {
    for (const id of ['a.', '.a', '..a', 'a..b', '.well-known', 'v1.2.3', 'user@example.com', 'a:b+c']) {
      const collection = freshCollection();
      const res = await call('POST', `${W()}/records/${collection}`, {
        headers: { authorization: `Bearer ${token}` },
        body: { id, data: {} },
      });
      expect(res.status, id).toBe(201);
      await roundTrip(collection, id);
    }
  });

  it('the SDK never sends a dots-only segment (it would reach another route)', async () => {
    for (const id of ['.', '..']) {
      const err = await sdk.deleteRecord('orders', id).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(VerdictError);
      expect((err as VerdictError).code).toBe('invalid_path');
    }
  });
});

describe('revocation subjects (any text)', () => {
  it('property: a value accepted by POST /revocations is lifted by DELETE …/{kind}/{value}, raw or encoded, and by the SDK', async () => {
    await fc.assert(
      fc.asyncProperty(
        anyText,
        fc.constantFrom<'sub' | 'jti'>('sub', 'jti'),
        fc.nat(),
        async (value, kind, pick) => {
          const res = await call('POST', `${W()}/revocations`, { key, body: { kind, value } });
          if (res.status === 400) {
            await expectRefusedId(res);
            return;
          }
          expect(res.status, JSON.stringify(value)).toBe(201);
          expect((await json<{ data: { value: string } }>(res)).data.value).toBe(value);
          const listed = async () =>
            (
              await json<{ data: { kind: string; value: string }[] }>(
                await call('GET', `${W()}/revocations`, { key }),
              )
            ).data.some((r) => r.kind === kind && r.value === value);
          expect(await listed(), 'listed as sent').toBe(true);
          const forms = encodings(value);
          expect(forms.length, `${JSON.stringify(value)} has no URL form`).toBeGreaterThan(0);
          if (pick % 2 === 0) {
            const e = forms[pick % forms.length] as string;
            const del = await call('DELETE', `${W()}/revocations/${kind}/${e}`, { key });
            expect(del.status, `DELETE ${e}`).toBe(204);
          } else {
            await sdk.unrevoke(kind, value);
          }
          expect(await listed(), 'lifted').toBe(false);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('"." and ".." and lone surrogates are refused (400); the positive twin "a/b?c#d %" round-trips', async () => {
    for (const value of ['.', '..', '\ud800', 'a\udc00b']) {
      await expectRefusedId(await call('POST', `${W()}/revocations`, { key, body: { kind: 'sub', value } }));
    }
    for (const value of ['a/b?c#d %', '..a', '🙂', 'user.']) {
      expect((await call('POST', `${W()}/revocations`, { key, body: { kind: 'sub', value } })).status).toBe(
        201,
      );
      expect(
        (await call('DELETE', `${W()}/revocations/sub/${encodeURIComponent(value)}`, { key })).status,
      ).toBe(204);
    }
  });
});

describe('binding names (resource, action: addressed in the query)', () => {
  it('property: a binding accepted by PUT /permissions is removed by DELETE ?resource&action and by the SDK', async () => {
    await fc.assert(
      fc.asyncProperty(anyText, anyText, fc.boolean(), async (resource, action, viaSdk) => {
        const res = await call('PUT', `${W()}/permissions`, {
          key,
          body: { resource, action, policies: ['all'] },
        });
        if (res.status === 400) {
          await expectRefusedId(res);
          return;
        }
        expect(res.status, JSON.stringify([resource, action])).toBe(200);
        if (viaSdk) await sdk.deletePermission(resource, action);
        else {
          const q = new URLSearchParams({ resource, action });
          expect((await call('DELETE', `${W()}/permissions?${q}`, { key })).status).toBe(204);
        }
        const left = (
          await json<{ data: { resource: string; action: string }[] }>(
            await call('GET', `${W()}/permissions`, { key }),
          )
        ).data.some((b) => b.resource === resource && b.action === action);
        expect(left, 'removed').toBe(false);
      }),
      { numRuns: 30 },
    );
  });

  it('positive twin: dots and URL syntax are fine in a binding; a lone surrogate is refused', async () => {
    for (const [resource, action] of [
      ['.', '..'],
      ['a/b', '?x=1&y'],
    ]) {
      expect(
        (await call('PUT', `${W()}/permissions`, { key, body: { resource, action, policies: ['all'] } }))
          .status,
      ).toBe(200);
      await sdk.deletePermission(resource as string, action as string);
    }
    await expectRefusedId(
      await call('PUT', `${W()}/permissions`, {
        key,
        body: { resource: 'a\ud800', action: 'read', policies: ['all'] },
      }),
    );
  });
});

describe('policy names, collection names and workspace ids (restricted grammars)', () => {
  it('property: an accepted policy name round-trips through every policy route and the SDK', async () => {
    await fc.assert(
      fc.asyncProperty(idsOf('aZ09_.:-', 8), async (name) => {
        const doc = {
          name,
          specification: { rules: [], default: { rule_id: 'd', effect: 'Deny' } },
        };
        // A dots-only name has no URL to be written at: the grammar must refuse it.
        if (/^\.+$/.test(name)) {
          expect(NAME.test(name)).toBe(false);
          return;
        }
        const res = await call('PUT', `${W()}/policies/${encodeURIComponent(name)}`, { key, body: doc });
        if (res.status === 400) {
          expect(NAME.test(name), name).toBe(false);
          return;
        }
        expect(res.status, `${name}: ${await res.clone().text()}`).toBe(201);
        const forms = encodings(name);
        for (const e of forms) {
          expect((await call('GET', `${W()}/policies/${e}`, { key })).status, `GET ${e}`).toBe(200);
          expect((await call('GET', `${W()}/policies/${e}/versions`, { key })).status).toBe(200);
        }
        // The shadow routes (each write publishes a snapshot): with every byte encoded.
        const e = forms[forms.length - 1] as string;
        expect((await call('PUT', `${W()}/policies/${e}/shadow`, { key, body: doc })).status).toBe(200);
        expect((await call('GET', `${W()}/policies/${e}/shadow`, { key })).status).toBe(200);
        expect((await call('DELETE', `${W()}/policies/${e}/shadow`, { key })).status).toBe(204);
        expect((await sdk.getPolicy(name)).data.name).toBe(name);
        await sdk.deletePolicy(name);
        expect((await call('GET', `${W()}/policies/${encodeURIComponent(name)}`, { key })).status).toBe(404);
      }),
      { numRuns: 15 },
    );
  });

  it('property: an accepted collection name is addressable by every records route', async () => {
    await fc.assert(
      fc.asyncProperty(idsOf('az09_.-', 8), async (collection) => {
        if (/^\.+$/.test(collection)) {
          expect(COLLECTION.test(collection)).toBe(false);
          return;
        }
        const res = await call('POST', `${W()}/records/${encodeURIComponent(collection)}`, {
          headers: { authorization: `Bearer ${token}` },
          body: { id: 'r1', data: {} },
        });
        if (res.status === 400) return; // the grammar: a lowercase letter first, no dots
        expect(res.status, collection).toBe(201);
        for (const e of encodings(collection)) {
          const auth = { authorization: `Bearer ${token}` };
          expect((await call('GET', `${W()}/records/${e}/r1`, { headers: auth })).status, e).toBe(200);
          expect((await call('POST', `${W()}/records/${e}/query`, { headers: auth, body: {} })).status).toBe(
            200,
          );
          expect(
            (
              await call('POST', `${W()}/records/${e}/import`, {
                key,
                body: { records: [{ id: 'r2', data: {} }] },
              })
            ).status,
          ).toBe(200);
        }
        expect((await sdk.getRecord(collection, 'r2')).data.id).toBe('r2');
      }),
      { numRuns: 30 },
    );
  });

  it('property: an accepted workspace id is addressable', async () => {
    await fc.assert(
      fc.asyncProperty(idsOf('az09-.', 10), async (raw) => {
        if (/^\.+$/.test(raw)) expect(WORKSPACE_ID.test(raw)).toBe(false);
        const id = `${raw}${Math.floor(Math.random() * 1e6)}`;
        const res = await call('POST', '/v1/workspaces', { key: ROOT, body: { id, name: 'ids' } });
        if (res.status === 400) return;
        expect(res.status, id).toBe(201);
        const admin = (await json<{ data: { apiKey: { key: string } } }>(res)).data.apiKey.key;
        for (const e of encodings(id)) {
          expect((await call('GET', `/v1/workspaces/${e}`, { key: admin })).status, e).toBe(200);
          expect((await call('GET', `/v1/workspaces/${e}/policies`, { key: admin })).status, e).toBe(200);
        }
        const client = new VerdictClient({
          baseUrl: 'http://verdict.test',
          workspaceId: id,
          apiKey: admin,
          fetch: workerFetch,
        });
        expect((await client.getWorkspace()).data.id).toBe(id);
      }),
      { numRuns: 8 },
    );
  });
});

describe('server-chosen ids (API keys, providers) are addressable', () => {
  it('an API key id and a provider id round-trip through their routes and the SDK', async () => {
    const created = await call('POST', `${W()}/api-keys`, {
      key,
      body: { name: 'k', scopes: ['audit:read'] },
    });
    expect(created.status).toBe(201);
    const keyId = (await json<{ data: { id: string } }>(created)).data.id;
    expect(encodings(keyId)).toHaveLength(3);
    await sdk.revokeApiKey(keyId);
    const again = await call('POST', `${W()}/api-keys`, {
      key,
      body: { name: 'k2', scopes: ['audit:read'] },
    });
    const id2 = (await json<{ data: { id: string } }>(again)).data.id;
    expect((await call('DELETE', `${W()}/api-keys/${encode(id2, 'every-byte')}`, { key })).status).toBe(204);

    const name = `idp${Date.now().toString(36)}`;
    const reg = await registerIdp(ws, key, name);
    expect(reg.status).toBe(201);
    const providerId = (await json<{ data: { id: string } }>(reg)).data.id;
    for (const e of encodings(providerId)) {
      expect((await call('GET', `${W()}/auth-providers/${e}`, { key })).status, e).toBe(200);
    }
    await sdk.deleteAuthProvider(providerId);
    expect((await call('GET', `${W()}/auth-providers/${providerId}`, { key })).status).toBe(404);
  });
});
