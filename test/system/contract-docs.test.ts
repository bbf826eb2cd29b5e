/// <reference types="node" />
// The documents generated from the contract, checked as their users see them: the
// OpenAPI document the Worker serves passes `redocly lint` (redocly.yaml) with an
// operationId on every operation, and the published JSON Schemas accept the seed
// tutorial's documents verbatim and refuse a typo, as an editor given "$schema" would.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, describe, expect, it } from 'vitest';
import { jsonSchemaOf, PUBLISHED_SCHEMAS, type PublishedSchemaName } from '../../src/contract';
import { createApp } from '../../src/http/app';

const root = new URL('../../', import.meta.url).pathname;
const app = createApp();
const env = { DEV_IDP: 'false' } as unknown as Env;
const dir = mkdtempSync(join(tmpdir(), 'verdict-openapi-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the OpenAPI document', () => {
  it('passes redocly lint with no warnings, and every operation has an operationId', async () => {
    const res = await app.request('/openapi.json', {}, env);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { paths: Record<string, Record<string, { operationId?: string }>> };
    const operations = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.entries(item).map(([method, op]) => ({ path, method, id: op.operationId })),
    );
    expect(operations.length).toBeGreaterThan(30);
    expect(operations.filter((o) => !o.id)).toEqual([]);
    writeFileSync(join(dir, 'openapi.json'), JSON.stringify(doc, null, 2));
    copyFileSync(join(root, 'redocly.yaml'), join(dir, 'redocly.yaml'));
    copyFileSync(join(root, '.redocly.lint-ignore.yaml'), join(dir, '.redocly.lint-ignore.yaml'));
    const lint = spawnSync(join(root, 'node_modules/.bin/redocly'), ['lint', 'openapi.json'], {
      cwd: dir,
      encoding: 'utf8',
    });
    const out = `${lint.stdout}${lint.stderr}`;
    expect(lint.status, out).toBe(0);
    expect(out).toContain('Your API description is valid');
    expect(out).not.toMatch(/warning/i);
  }, 60_000);

  it('documents the gateway and development routes it serves', async () => {
    const doc = (await (await app.request('/openapi.json', {}, env)).json()) as {
      paths: Record<string, unknown>;
    };
    for (const path of [
      '/v1/workspaces/{ws}/ext-authz/{originalPath}',
      '/v1/workspaces/{ws}/forward-auth/nginx',
      '/v1/workspaces/{ws}/lambda-authorizer',
      '/dev-idp/token',
      '/schemas/{file}',
    ])
      expect(Object.keys(doc.paths), path).toContain(path);
  });
});

describe('the published JSON Schemas', () => {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats.default(ajv);
  const validator = (name: PublishedSchemaName) => ajv.compile(jsonSchemaOf(name));
  const seed = JSON.parse(readFileSync(join(root, 'examples/policies/order_approval.json'), 'utf8'));

  it('are served at /schemas/<name>.json with stable $ids', async () => {
    for (const name of Object.keys(PUBLISHED_SCHEMAS)) {
      const res = await app.request(`/schemas/${name}.json`, {}, env);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/schema+json');
      const schema = (await res.json()) as { $id: string };
      expect(schema.$id).toBe(`https://verdict.dev/schemas/${name}.json`);
    }
    expect((await app.request('/schemas/nope.json', {}, env)).status).toBe(404);
  });

  it('policy: the seed policy verbatim passes; a typo in a field or a function name does not', () => {
    const check = validator('policy');
    expect(check(seed), JSON.stringify(check.errors)).toBe(true);
    const typoField = structuredClone(seed);
    typoField.specification.rules[0].conditions[0].valu =
      typoField.specification.rules[0].conditions[0].value;
    delete typoField.specification.rules[0].conditions[0].value;
    expect(check(typoField)).toBe(false);
    const typoFunction = structuredClone(seed);
    typoFunction.specification.rules[0].conditions[0].function = 'string_equals';
    expect(check(typoFunction)).toBe(false);
    // The function names an editor completes are the contract's.
    expect(JSON.stringify(jsonSchemaOf('policy'))).toContain('"string_equal_ignore_case"');
  });

  it('provider: the seed tutorial’s Clerk provider passes; an unknown type does not', () => {
    const check = validator('provider');
    const clerk = {
      name: 'Clerk',
      type: 'clerk',
      issuer: 'https://your-clerk-domain.clerk.accounts.dev',
      audiences: ['verdict'],
      claimMappings: [
        { jwtPath: 'role', attribute: 'role', required: false, defaultValue: 'employee' },
        { jwtPath: 'approval_limit', attribute: 'approval_limit', required: false, defaultValue: 0 },
      ],
    };
    expect(check(clerk), JSON.stringify(check.errors)).toBe(true);
    expect(check({ ...clerk, type: 'clerkk' })).toBe(false);
  });

  it('test and config files: a minimal valid file passes, an unknown member does not', () => {
    const test = validator('test');
    const file = {
      name: 'order approval',
      now: '2026-11-18T12:00:00Z',
      principals: { employee: { claims: { sub: 'u1', role: 'employee', approval_limit: 1000 } } },
      tests: [
        {
          name: 'employee approves $500',
          principal: 'employee',
          resource: 'orders',
          action: 'approve',
          context: { amount: 500 },
          expect: { decision: 'Allow', rule: 'within-limit' },
        },
      ],
    };
    expect(test(file), JSON.stringify(test.errors)).toBe(true);
    expect(test({ ...file, extra: 1 })).toBe(false);
    const config = validator('config');
    expect(config({ workspace: 'acme' })).toBe(true);
    expect(config({ workspace: 'acme', polices: 'x' })).toBe(false);
  });
});
