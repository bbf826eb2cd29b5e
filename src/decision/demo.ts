/**
 * The local demo (DEV_IDP=true only): a workspace "demo" that reproduces the
 * order-approval tutorial — the development IdP registered as a Clerk-type provider
 * with the tutorial's claim mappings, the `order_approval` policy bound to
 * orders/approve, a forward-auth route map, and an admin key from DEMO_ADMIN_KEY.
 * Seeded once, on the first request an isolate serves; idempotent.
 */
import { flag } from '../env';
import { DEV_IDP_ISSUER, DEV_IDP_JWKS } from '../identity/dev-idp';
import { database } from '../storage/db';
import { insertPolicyVersion, upsertPermission } from '../storage/policies';
import type { Provider } from '../storage/providers';
import { insertProvider } from '../storage/providers';
import { getWorkspace, updateWorkspace } from '../storage/workspaces';
import { createWorkspace } from './admin/workspaces';
import { publishSnapshot } from './snapshot';

export const DEMO_WORKSPACE = 'demo';

export const DEMO_CLAIM_MAPPINGS = [
  { jwtPath: 'role', attribute: 'role', required: false, defaultValue: 'employee' },
  { jwtPath: 'department', attribute: 'department', required: false },
  { jwtPath: 'approval_limit', attribute: 'approval_limit', required: false, defaultValue: 0 },
];

export const DEMO_POLICY = {
  name: 'order_approval',
  specification: {
    rules: [
      {
        rule_id: 'manager-unlimited',
        effect: 'Allow',
        conditions: [{ function: 'string_equal', attribute: 'ext_role', value: 'manager' }],
      },
      {
        rule_id: 'within-limit',
        effect: 'Allow',
        conditions: [
          {
            function: 'integer_less_equal',
            attribute: 'request_metadata',
            metadata_key: 'amount',
            value_from_attribute: 'ext_approval_limit',
          },
        ],
      },
    ],
    default: { rule_id: 'deny', effect: 'Deny' },
  },
};

let seeded: Promise<void> | undefined;

type DemoEnv = { DB: D1Database; CACHE: KVNamespace; DEV_IDP?: string; DEMO_ADMIN_KEY?: string };

async function seed(env: DemoEnv): Promise<void> {
  const db = database(env.DB);
  if (await getWorkspace(db, DEMO_WORKSPACE)) return;
  const now = Date.now();
  await createWorkspace(
    env,
    { id: DEMO_WORKSPACE, name: 'Order approval demo', timezone: 'UTC' },
    { keyName: 'demo admin key', ...(env.DEMO_ADMIN_KEY ? { fixedKey: env.DEMO_ADMIN_KEY } : {}) },
  );
  const provider: Provider = {
    id: 'prov_demo_dev_idp',
    name: 'Development IdP (Clerk-style)',
    type: 'clerk',
    issuer: DEV_IDP_ISSUER,
    audiences: ['verdict'],
    claimMappings: DEMO_CLAIM_MAPPINGS,
    clockToleranceSec: 60,
    resolvedJwksUri: DEV_IDP_JWKS,
    keyFormat: 'jwks',
  };
  await insertProvider(db, DEMO_WORKSPACE, provider, now);
  await insertPolicyVersion(db, DEMO_WORKSPACE, DEMO_POLICY.name, 1, DEMO_POLICY, now);
  await upsertPermission(
    db,
    DEMO_WORKSPACE,
    { resource: 'orders', action: 'approve', policies: ['order_approval'] },
    now,
  );
  await updateWorkspace(db, DEMO_WORKSPACE, {
    routeMap: [
      { method: 'POST', path: '/api/orders/:orderId/approve', resource: 'orders', action: 'approve' },
    ],
  });
  await publishSnapshot(env, DEMO_WORKSPACE, now);
}

/** Seeds the demo workspace once per isolate when DEV_IDP=true. Failures are retried on a later request. */
export function ensureDemo(env: DemoEnv): Promise<void> {
  if (!flag(env.DEV_IDP)) return Promise.resolve();
  seeded ??= seed(env).catch((err) => {
    seeded = undefined;
    console.warn(
      JSON.stringify({
        level: 'warn',
        msg: 'demo seed failed (are migrations applied?)',
        error: String(err),
      }),
    );
  });
  return seeded;
}
