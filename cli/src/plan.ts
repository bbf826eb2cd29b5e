/**
 * `verdict push`: what the files would change on the server, as a plan — create, update,
 * unchanged, delete — with a rule-by-rule diff of each changed policy, checked by the
 * server as a write would be (POST …/validate) before anything is written.
 */
import type { VerdictClient } from '@verdict-authz/sdk';
import { diffLines } from 'diff';
import pc from 'picocolors';
import {
  type Permission,
  type PolicyDocument,
  type ProviderInput,
  ProviderInputSchema,
  type RouteMapEntry,
} from '../../src/contract';
import type { Checked } from './check';
import { call } from './connection';

export type Action = 'create' | 'update' | 'unchanged' | 'delete';
export type Step =
  | { kind: 'provider'; name: string; action: Action; id?: string; doc?: ProviderInput; changes: string[] }
  | { kind: 'policy'; name: string; action: Action; doc?: PolicyDocument; changes: string[]; from?: number }
  | { kind: 'binding'; name: string; action: Action; doc?: Permission; changes: string[] }
  | { kind: 'routes'; name: string; action: Action; doc?: RouteMapEntry[]; changes: string[] };

/** JSON with sorted keys and no undefined members: two documents compare by content. */
export function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x) =>
    x && typeof x === 'object' && !Array.isArray(x)
      ? Object.fromEntries(
          Object.keys(x)
            .sort()
            .filter((k) => x[k] !== undefined)
            .map((k) => [k, x[k]]),
        )
      : x,
  );
}

/** A file's document without the editor's `$schema`. */
export function withoutSchema<T>(doc: T): T {
  if (doc && typeof doc === 'object' && '$schema' in doc) {
    const { $schema: _, ...rest } = doc as Record<string, unknown>;
    return rest as T;
  }
  return doc;
}

/** What the server would store for a provider file: the contract's defaults applied, no secret. */
function providerShape(p: Record<string, unknown>): Record<string, unknown> {
  const parsed = ProviderInputSchema.parse(withoutSchema(p)) as Record<string, unknown>;
  const { hsSecret: _, ...rest } = parsed;
  return rest;
}

const keysOf = Object.keys(ProviderInputSchema.shape).filter((k) => k !== '$schema' && k !== 'hsSecret');

function lineDiff(before: unknown, after: unknown): string[] {
  const parts = diffLines(`${JSON.stringify(before, null, 2)}\n`, `${JSON.stringify(after, null, 2)}\n`);
  return parts.flatMap((p) =>
    p.added || p.removed
      ? p.value
          .replace(/\n$/, '')
          .split('\n')
          .map((l) => (p.added ? pc.green(`+ ${l}`) : pc.red(`- ${l}`)))
      : [],
  );
}

type Rule = { rule_id: string };

/** A policy's change, rule by rule: added, removed, changed (with a line diff), default. */
export function policyChanges(before: PolicyDocument, after: PolicyDocument): string[] {
  const out: string[] = [];
  const old = new Map((before.specification.rules as Rule[]).map((r) => [r.rule_id, r]));
  const now = new Map((after.specification.rules as Rule[]).map((r) => [r.rule_id, r]));
  for (const [id, rule] of now) {
    const was = old.get(id);
    if (!was) out.push(pc.green(`+ rule ${id}`), ...lineDiff(undefined, rule).map((l) => `    ${l}`));
    else if (canonical(was) !== canonical(rule))
      out.push(pc.yellow(`~ rule ${id}`), ...lineDiff(was, rule).map((l) => `    ${l}`));
  }
  for (const id of old.keys()) if (!now.has(id)) out.push(pc.red(`- rule ${id}`));
  const order = (rules: Rule[]) => rules.map((r) => r.rule_id).join(',');
  if (
    out.length === 0 &&
    order(before.specification.rules as Rule[]) !== order(after.specification.rules as Rule[])
  )
    out.push(pc.yellow(`~ rule order: ${order(after.specification.rules as Rule[])}`));
  if (canonical(before.specification.default) !== canonical(after.specification.default))
    out.push(
      pc.yellow('~ default'),
      ...lineDiff(before.specification.default, after.specification.default).map((l) => `    ${l}`),
    );
  if (out.length === 0) out.push(pc.yellow('~ (fields outside the rules)'));
  return out;
}

export type PlanInput = {
  checked: Checked;
  permissions: readonly Permission[];
  routes: RouteMapEntry[] | undefined;
};

export async function makePlan(client: VerdictClient, input: PlanInput): Promise<Step[]> {
  const [providers, policies, bindings, workspace] = await call('reading the workspace', () =>
    Promise.all([
      client.listAuthProviders(),
      client.listPolicies(),
      client.listPermissions(),
      input.routes ? client.getWorkspace() : Promise.resolve(undefined),
    ]),
  );
  const steps: Step[] = [];

  const remoteProviders = new Map(providers.data.map((p) => [p.name, p]));
  for (const local of input.checked.providers) {
    const doc = withoutSchema(local);
    const remote = remoteProviders.get(doc.name);
    remoteProviders.delete(doc.name);
    if (!remote) {
      steps.push({
        kind: 'provider',
        name: doc.name,
        action: 'create',
        doc,
        changes: [`issuer ${doc.issuer}`],
      });
      continue;
    }
    const want = providerShape(doc as Record<string, unknown>);
    const have = Object.fromEntries(keysOf.map((k) => [k, (remote as Record<string, unknown>)[k]]));
    const secret = doc.hsSecret !== undefined;
    const same = canonical(want) === canonical(have) && !secret;
    steps.push({
      kind: 'provider',
      name: doc.name,
      action: same ? 'unchanged' : 'update',
      id: remote.id,
      doc,
      changes: same
        ? []
        : [...lineDiff(have, want), ...(secret ? ['~ hsSecret (never shown; always sent)'] : [])],
    });
  }
  for (const [name, p] of remoteProviders)
    steps.push({ kind: 'provider', name, action: 'delete', id: p.id, changes: [] });

  const remotePolicies = new Set(policies.data.map((p) => p.name));
  const current = await call('reading policies', () =>
    Promise.all(
      [...input.checked.policies.keys()].filter((n) => remotePolicies.has(n)).map((n) => client.getPolicy(n)),
    ),
  );
  const sources = new Map(current.map((p) => [p.data.name, p.data]));
  for (const [name, { document }] of input.checked.policies) {
    const doc = withoutSchema(document);
    const remote = sources.get(name);
    remotePolicies.delete(name);
    if (!remote) {
      const rules = (doc.specification.rules as Rule[]).map((r) => pc.green(`+ rule ${r.rule_id}`));
      steps.push({ kind: 'policy', name, action: 'create', doc, changes: rules });
      continue;
    }
    const before = withoutSchema(remote.source as PolicyDocument);
    const same = canonical(before) === canonical(doc);
    steps.push({
      kind: 'policy',
      name,
      action: same ? 'unchanged' : 'update',
      doc,
      from: remote.version,
      changes: same ? [] : policyChanges(before, doc),
    });
  }
  for (const name of remotePolicies) steps.push({ kind: 'policy', name, action: 'delete', changes: [] });

  const remoteBindings = new Map(bindings.data.map((b) => [`${b.resource} ${b.action}`, b]));
  for (const b of input.permissions) {
    const key = `${b.resource} ${b.action}`;
    const remote = remoteBindings.get(key);
    remoteBindings.delete(key);
    const name = `${b.resource}/${b.action}`;
    if (!remote)
      steps.push({
        kind: 'binding',
        name,
        action: 'create',
        doc: b,
        changes: [`→ ${b.policies.join(', ')}`],
      });
    else if (remote.policies.join('\u0000') !== b.policies.join('\u0000'))
      steps.push({
        kind: 'binding',
        name,
        action: 'update',
        doc: b,
        changes: [`${remote.policies.join(', ')} → ${b.policies.join(', ')}`],
      });
    else steps.push({ kind: 'binding', name, action: 'unchanged', doc: b, changes: [] });
  }
  for (const b of remoteBindings.values())
    steps.push({
      kind: 'binding',
      name: `${b.resource}/${b.action}`,
      action: 'delete',
      doc: { resource: b.resource, action: b.action, policies: b.policies },
      changes: [],
    });

  if (input.routes && workspace) {
    const before = workspace.data.routeMap;
    const same = canonical(before) === canonical(input.routes);
    steps.push({
      kind: 'routes',
      name: 'route map',
      action: same ? 'unchanged' : 'update',
      doc: input.routes,
      changes: same ? [] : lineDiff(before, input.routes),
    });
  }
  return steps;
}

const SIGN: Record<Action, string> = {
  create: pc.green('+'),
  update: pc.yellow('~'),
  unchanged: pc.dim('='),
  delete: pc.red('-'),
};

export function renderPlan(steps: readonly Step[], prune: boolean): string[] {
  const out: string[] = [];
  for (const s of steps) {
    const note =
      s.action === 'delete' && !prune
        ? pc.dim(' (not in the files; kept: pass --prune to delete)')
        : s.kind === 'policy' && s.action === 'update'
          ? pc.dim(` (v${s.from} → v${(s.from ?? 0) + 1})`)
          : '';
    out.push(`${SIGN[s.action]} ${s.kind} ${s.name}: ${s.action}${note}`);
    if (s.action !== 'unchanged') for (const c of s.changes) out.push(`    ${c}`);
  }
  const count = (a: Action) => steps.filter((s) => s.action === a).length;
  out.push(
    '',
    `Plan: ${count('create')} to create, ${count('update')} to update, ${prune ? count('delete') : 0} to delete, ${count('unchanged')} unchanged${!prune && count('delete') ? ` (${count('delete')} on the server only, kept)` : ''}.`,
  );
  return out;
}

/** Applies a plan in dependency order: providers, policies, bindings, then deletions, then routes. */
export async function applyPlan(
  client: VerdictClient,
  steps: readonly Step[],
  prune: boolean,
  log: (line: string) => void,
): Promise<void> {
  const run = async (s: Step) => {
    const what = `${s.action} ${s.kind} ${s.name}`;
    await call(what, async () => {
      if (s.kind === 'provider') {
        if (s.action === 'create' && s.doc) await client.createAuthProvider(withoutSchema(s.doc));
        if (s.action === 'update' && s.doc && s.id)
          await client.replaceAuthProvider(s.id, withoutSchema(s.doc));
        if (s.action === 'delete' && s.id) await client.deleteAuthProvider(s.id);
      } else if (s.kind === 'policy') {
        if ((s.action === 'create' || s.action === 'update') && s.doc) await client.putPolicy(s.name, s.doc);
        if (s.action === 'delete') await client.deletePolicy(s.name);
      } else if (s.kind === 'binding') {
        if ((s.action === 'create' || s.action === 'update') && s.doc) await client.putPermission(s.doc);
        if (s.action === 'delete' && s.doc) await client.deletePermission(s.doc.resource, s.doc.action);
      } else if (s.kind === 'routes' && s.action === 'update' && s.doc) {
        await client.updateWorkspace({ routeMap: s.doc });
      }
    });
    log(`${SIGN[s.action]} ${what}`);
  };
  const pick = (kind: Step['kind'], actions: Action[]) =>
    steps.filter((s) => s.kind === kind && actions.includes(s.action));
  for (const s of pick('provider', ['create', 'update'])) await run(s);
  for (const s of pick('policy', ['create', 'update'])) await run(s);
  for (const s of pick('binding', ['create', 'update'])) await run(s);
  if (prune) {
    for (const s of pick('binding', ['delete'])) await run(s);
    for (const s of pick('policy', ['delete'])) await run(s);
    for (const s of pick('provider', ['delete'])) await run(s);
  }
  for (const s of pick('routes', ['update'])) await run(s);
}
