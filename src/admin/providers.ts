/**
 * Auth provider writes: registration-time checks (discovery, exact issuer, key set), the
 * D1 write, and the snapshot every decision reads, published at once.
 */
import type { ProviderInput, ProviderView } from '../contract';
import { publishSnapshot, type SnapshotDeps } from '../decision/snapshot';
import { forgetKeys } from '../identity/jwks-cache';
import { publicProvider } from '../identity/provider-schema';
import { type RegisterOptions, registerProvider } from '../identity/register-provider';
import { conflict, notFound } from '../lib/errors';
import { database, isUniqueViolation } from '../storage/db';
import {
  deleteProvider,
  getProvider,
  insertProvider,
  listProviders,
  updateProvider,
} from '../storage/providers';

const taken = () => conflict('A provider with this name or issuer already exists in the workspace');

export async function createProvider(
  deps: SnapshotDeps,
  ws: string,
  input: ProviderInput,
  opts: RegisterOptions,
): Promise<ProviderView> {
  const provider = await registerProvider(input, undefined, opts);
  try {
    await insertProvider(database(deps.DB), ws, provider, Date.now());
  } catch (err) {
    if (isUniqueViolation(err)) throw taken();
    throw err;
  }
  await publishSnapshot(deps, ws);
  return publicProvider(provider);
}

export async function providersOf(deps: SnapshotDeps, ws: string): Promise<ProviderView[]> {
  return (await listProviders(database(deps.DB), ws)).map(publicProvider);
}

export async function providerOf(deps: SnapshotDeps, ws: string, id: string): Promise<ProviderView> {
  const p = await getProvider(database(deps.DB), ws, id);
  if (!p) throw notFound('Auth provider');
  return publicProvider(p);
}

/** Replaces a provider with the same checks as registration; a stored secret is kept unless one is sent. */
export async function replaceProvider(
  deps: SnapshotDeps,
  ws: string,
  id: string,
  input: ProviderInput,
  opts: RegisterOptions,
): Promise<ProviderView> {
  const db = database(deps.DB);
  const existing = await getProvider(db, ws, id);
  if (!existing) throw notFound('Auth provider');
  const provider = await registerProvider(
    { ...input, hsSecret: input.hsSecret ?? existing.hsSecret },
    id,
    opts,
  );
  try {
    await updateProvider(db, ws, provider, Date.now());
  } catch (err) {
    if (isUniqueViolation(err)) throw taken();
    throw err;
  }
  if (existing.resolvedJwksUri) forgetKeys(existing.resolvedJwksUri);
  await publishSnapshot(deps, ws);
  return publicProvider(provider);
}

/** Removes a provider: its tokens are refused from the next decision on. */
export async function removeProvider(deps: SnapshotDeps, ws: string, id: string): Promise<void> {
  if (!(await deleteProvider(database(deps.DB), ws, id))) throw notFound('Auth provider');
  await publishSnapshot(deps, ws);
}
