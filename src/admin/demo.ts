/**
 * The local demo (DEV_IDP=true only): a workspace "demo" that reproduces the
 * order-approval tutorial — the development IdP registered as a Clerk-type provider
 * with the tutorial's claim mappings, the `order_approval` policy bound to
 * orders/approve, a forward-auth route map, and an admin key from DEMO_ADMIN_KEY.
 * Seeded off the request path: `npm run dev` (scripts/dev.mjs) calls POST /dev-idp/demo
 * once the server is up, the tests' setup calls seedDemo directly. Idempotent.
 */
import { ORDER_APPROVAL_POLICY as DEMO_POLICY, SEED_CLAIM_MAPPINGS } from '../contract/seed-policy';
import { publishSnapshot } from '../decision/snapshot';
import { DEV_IDP_ISSUER, DEV_IDP_JWKS } from '../identity/dev-idp';
import { database } from '../storage/db';
import { insertPolicyVersion, upsertPermission } from '../storage/policies';
import type { Provider } from '../storage/providers';
import { insertProvider } from '../storage/providers';
import { getWorkspace, updateWorkspace } from '../storage/workspaces';
import { createWorkspace } from './workspaces';

export const DEMO_WORKSPACE = 'demo';

type DemoEnv = { DB: D1Database; CACHE: KVNamespace; DEV_IDP?: string; DEMO_ADMIN_KEY?: string };

/**
 * Creates the demo workspace unless it exists; true when it created it. Two concurrent
 * calls may both try: the second fails on the workspace's primary key, and its caller
 * sees the error (the demo exists either way).
 */
export async function seedDemo(env: DemoEnv): Promise<boolean> {
  const db = database(env.DB);
  if (await getWorkspace(db, DEMO_WORKSPACE)) return false;
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
    claimMappings: SEED_CLAIM_MAPPINGS,
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
  return true;
}
