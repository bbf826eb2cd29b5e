/**
 * Permissions (which policies decide each resource/action) and the gateway route map
 * (method + path → resource/action, for forward-auth and ext_authz). Bindings need
 * permissions:write; the route map is a workspace setting (admin).
 */
import type { Permission, Workspace } from '@verdict-authz/sdk';
import { useEffect, useState } from 'preact/hooks';
import type { PageProps } from '../page';
import { href } from '../router';
import { can, type Session } from '../session';
import {
  Field,
  formatTime,
  InputField,
  Loaded,
  PageHeader,
  ProblemBox,
  Table,
  useAction,
  useAsync,
  useForm,
} from '../ui';

export function PermissionsPage({ session }: PageProps) {
  return (
    <section>
      <PageHeader title="Permissions & routes" />
      <Bindings session={session} />
      <RouteMap session={session} />
    </section>
  );
}

function Bindings({ session }: { session: Session }) {
  const bindings = useAsync(() => session.client.listPermissions().then((r) => r.data), []);
  const policies = useAsync(() => session.client.listPolicies().then((r) => r.data.map((p) => p.name)), []);
  const { form, setForm, set, field } = useForm<Permission>({ resource: '', action: '', policies: [] });
  const save = useAction();
  const remove = useAction();
  const writable = can(session, 'permissions:write');
  return (
    <div class="panel">
      <h2>Permissions</h2>
      <p class="muted">
        Each resource and action is decided by the policies bound to it (<code>*</code> matches any). Unbound
        pairs are denied.
      </p>
      <Loaded state={bindings}>
        {(items) => (
          <Table
            columns={['Resource', 'Action', 'Policies', 'Updated', { hidden: 'Actions' }]}
            label="Permissions"
          >
            {items.length === 0 && (
              <tr>
                <td colSpan={5}>No permission yet.</td>
              </tr>
            )}
            {items.map((b) => (
              <tr key={`${b.resource}/${b.action}`}>
                <td>
                  <code>{b.resource}</code>
                </td>
                <td>
                  <code>{b.action}</code>
                </td>
                <td>
                  {b.policies.map((p, i) => (
                    <span key={p}>
                      {i > 0 && ', '}
                      <a href={href('policies', p)}>{p}</a>
                    </span>
                  ))}
                </td>
                <td>{formatTime(b.updatedAt)}</td>
                <td>
                  {writable && (
                    <div class="row">
                      <button
                        type="button"
                        class="secondary"
                        onClick={() =>
                          setForm({ resource: b.resource, action: b.action, policies: b.policies })
                        }
                      >
                        Edit
                      </button>
                      <button
                        type="button"
                        class="danger"
                        aria-label={`Remove permission ${b.resource} ${b.action}`}
                        onClick={async () => {
                          const ok = await remove.run(() =>
                            session.client.deletePermission(b.resource, b.action).then(() => true),
                          );
                          if (ok) bindings.reload();
                        }}
                      >
                        Remove
                      </button>
                    </div>
                  )}
                </td>
              </tr>
            ))}
          </Table>
        )}
      </Loaded>
      <ProblemBox problem={remove.error} />
      {writable && (
        <form
          aria-label="Bind policies"
          onSubmit={async (e) => {
            e.preventDefault();
            const ok = await save.run(() => session.client.putPermission(form));
            if (ok) {
              setForm({ resource: '', action: '', policies: [] });
              bindings.reload();
            }
          }}
        >
          <h3>Bind policies to a resource and action</h3>
          <div class="grid">
            <InputField label="Resource" required placeholder="orders" {...field('resource')} />
            <InputField label="Action" required placeholder="approve" {...field('action')} />
            <Field label="Policies to bind" hint="Ctrl/⌘-click to choose several">
              {(id) => (
                <select
                  id={id}
                  multiple
                  required
                  size={Math.min(6, Math.max(2, policies.data?.length ?? 2))}
                  onChange={(e) =>
                    set({ policies: Array.from(e.currentTarget.selectedOptions, (o) => o.value) })
                  }
                >
                  {(policies.data ?? []).map((p) => (
                    <option key={p} value={p} selected={form.policies.includes(p)}>
                      {p}
                    </option>
                  ))}
                </select>
              )}
            </Field>
          </div>
          <ProblemBox problem={save.error ?? policies.error} />
          <button type="submit" disabled={save.busy}>
            Save permission
          </button>
        </form>
      )}
    </div>
  );
}

type Entry = Workspace['routeMap'][number];

/** A route entry's cells, in order, with the label each input is named by (`Path 2`). */
const ROUTE_FIELDS = [
  ['method', 'Method'],
  ['path', 'Path'],
  ['resource', 'Resource'],
  ['action', 'Action'],
] as const satisfies readonly (readonly [keyof Entry, string])[];

function RouteMap({ session }: { session: Session }) {
  const workspace = useAsync(() => session.client.getWorkspace().then((r) => r.data), []);
  const [rows, setRows] = useState<Entry[]>([]);
  const save = useAction();
  const [saved, setSaved] = useState(false);
  const writable = can(session, 'admin');
  useEffect(() => {
    if (workspace.data) setRows(workspace.data.routeMap);
  }, [workspace.data]);
  const set = (i: number, patch: Partial<Entry>) => {
    setSaved(false);
    setRows(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  };
  return (
    <form
      class="panel"
      aria-label="Route map"
      onSubmit={async (e) => {
        e.preventDefault();
        const ok = await save.run(() => session.client.updateWorkspace({ routeMap: rows }));
        if (ok) {
          setSaved(true);
          workspace.reload();
        }
      }}
    >
      <h2>Route map</h2>
      <p class="muted">
        For gateways (forward-auth, ext_authz): the first entry matching the request’s method and path names
        the resource and action. <code>:param</code> and a trailing <code>*</code> match segments.
      </p>
      <Loaded state={workspace}>
        {() => (
          <Table columns={[...ROUTE_FIELDS.map(([, label]) => label), { hidden: 'Remove' }]}>
            {rows.length === 0 && (
              <tr>
                <td colSpan={5}>No route yet.</td>
              </tr>
            )}
            {rows.map((r, i) => (
              <tr key={i}>
                {ROUTE_FIELDS.map(([key, label]) => (
                  <td key={key}>
                    <input
                      aria-label={`${label} ${i + 1}`}
                      size={key === 'method' ? 6 : undefined}
                      disabled={!writable}
                      value={r[key]}
                      onInput={(e) => {
                        const v = e.currentTarget.value;
                        set(i, { [key]: key === 'method' ? v.toUpperCase() : v });
                      }}
                    />
                  </td>
                ))}
                <td>
                  {writable && (
                    <button
                      type="button"
                      class="secondary"
                      aria-label={`Remove route ${i + 1}`}
                      onClick={() => setRows(rows.filter((_, j) => j !== i))}
                    >
                      ✕
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </Table>
        )}
      </Loaded>
      <ProblemBox problem={save.error} />
      {saved && (
        <p class="ok" role="status">
          Route map saved.
        </p>
      )}
      {/* Editing starts once the stored map is loaded (it would otherwise replace the edits). */}
      {writable && workspace.data ? (
        <div class="row">
          <button
            type="button"
            class="secondary"
            onClick={() => setRows([...rows, { method: 'GET', path: '/', resource: '', action: '' }])}
          >
            Add route
          </button>
          <button type="submit" disabled={save.busy}>
            Save route map
          </button>
        </div>
      ) : (
        !writable && <p class="muted">Editing the route map needs an admin key.</p>
      )}
    </form>
  );
}
