/**
 * API keys: the workspace's keys (name, prefix, scopes, use, revocation), a new key with
 * a checkbox per scope, whose secret is shown once (copy it, then dismiss: it is dropped
 * from the page's state), and revocation per live key.
 */
import type { ApiKey, CreatedKey } from '@verdict-authz/sdk';
import { useState } from 'preact/hooks';
import type { PageProps } from '../page';
import { can, type Scope } from '../session';
import { formatTime, InputField, Loaded, PageHeader, ProblemBox, Table, useAction, useAsync } from '../ui';

type Session = PageProps['session'];

/** Every scope the API knows, with what it allows. */
const SCOPES: Record<Scope, string> = {
  admin: 'Everything, including all the scopes below',
  'keys:write': 'Create and revoke API keys',
  'providers:read': 'Read auth providers',
  'providers:write': 'Register, change and remove auth providers',
  'policies:read': 'Read policies, bindings and the playground',
  'policies:write': 'Write policies, shadows and rollbacks',
  'permissions:write': 'Bind policies to resources and actions',
  'audit:read': 'Read the audit trail, stats and impact',
  'records:write': 'Import records by id',
  'revocations:write': 'Revoke tokens and subjects',
  'authzen:pep': 'Name the subject in AuthZEN calls (trusted PEP)',
};

export function KeysPage({ session }: PageProps) {
  const keys = useAsync(() => session.client.listApiKeys().then((r) => r.data), []);
  return (
    <section>
      <PageHeader title="API keys">
        <button type="button" class="secondary" onClick={keys.reload}>
          Refresh
        </button>
      </PageHeader>
      <CreateKeyForm session={session} onCreated={keys.reload} />
      <h2>Keys</h2>
      <Loaded state={keys}>
        {(items) =>
          items.length === 0 ? (
            <p>No key yet.</p>
          ) : (
            <KeysTable session={session} keys={items} onRevoked={keys.reload} />
          )
        }
      </Loaded>
    </section>
  );
}

function KeysTable({
  session,
  keys,
  onRevoked,
}: {
  session: Session;
  keys: ApiKey[];
  onRevoked: () => void;
}) {
  const revoke = useAction();
  const own = session.whoami.key.id;
  return (
    <>
      <ProblemBox problem={revoke.error} />
      <Table
        columns={['Name', 'Prefix', 'Scopes', 'Created', 'Last used', 'Revoked', { hidden: 'Actions' }]}
        caption="API keys of this workspace"
      >
        {keys.map((k) => (
          <tr key={k.id}>
            <td>
              {k.name}
              {k.id === own && <span class="muted"> (this console's key)</span>}
            </td>
            <td>
              <code>{k.prefix}…</code>
            </td>
            <td>{k.scopes.join(', ')}</td>
            <td>{formatTime(k.createdAt)}</td>
            <td>{formatTime(k.lastUsedAt)}</td>
            <td>{k.revokedAt == null ? 'no' : formatTime(k.revokedAt)}</td>
            <td>
              {k.revokedAt == null && (
                <button
                  type="button"
                  class="danger"
                  aria-label={`Revoke ${k.name}`}
                  disabled={revoke.busy}
                  onClick={async () => {
                    const warning =
                      k.id === own
                        ? ' This is the key this console is signed in with: it will stop working.'
                        : '';
                    if (
                      !window.confirm(
                        `Revoke the key ${k.name} (${k.prefix}…)? It is refused from now on.${warning}`,
                      )
                    )
                      return;
                    if (await revoke.run(() => session.client.revokeApiKey(k.id).then(() => true)))
                      onRevoked();
                  }}
                >
                  Revoke
                </button>
              )}
            </td>
          </tr>
        ))}
      </Table>
    </>
  );
}

function CreateKeyForm({ session, onCreated }: { session: Session; onCreated: () => void }) {
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<Scope[]>([]);
  const [created, setCreated] = useState<CreatedKey>();
  const [copied, setCopied] = useState<string>();
  const action = useAction();
  const toggle = (scope: Scope, on: boolean) =>
    setScopes((s) => (on ? [...s.filter((x) => x !== scope), scope] : s.filter((x) => x !== scope)));

  if (created)
    return (
      <div class="ok secret" role="status" aria-label="New API key">
        <p>
          <strong>Created {created.name}.</strong> Copy the secret now: it will not be shown again.
        </p>
        <div class="row">
          <input
            class="secret-value"
            readOnly
            aria-label="New key secret"
            value={created.key}
            onFocus={(e) => e.currentTarget.select()}
          />
          <button
            type="button"
            onClick={async () => {
              try {
                await navigator.clipboard.writeText(created.key);
                setCopied('Copied to the clipboard.');
              } catch {
                setCopied('The clipboard is not available: select the secret and copy it.');
              }
            }}
          >
            Copy
          </button>
          <button
            type="button"
            class="secondary"
            onClick={() => {
              setCreated(undefined);
              setCopied(undefined);
            }}
          >
            Done
          </button>
        </div>
        {copied && <p class="muted">{copied}</p>}
      </div>
    );

  return (
    <form
      class="panel"
      aria-label="Create API key"
      onSubmit={async (e) => {
        e.preventDefault();
        const r = await action.run(() => session.client.createApiKey({ name: name.trim(), scopes }));
        if (r) {
          setCreated(r.data);
          setName('');
          setScopes([]);
          onCreated();
        }
      }}
    >
      <h2>New key</h2>
      <InputField label="Key name" required value={name} onValue={setName} />
      <fieldset>
        <legend>Scopes</legend>
        <div class="grid">
          {(Object.keys(SCOPES) as Scope[])
            .filter((scope) => can(session, scope))
            .map((scope) => (
              <label class="check" key={scope} title={SCOPES[scope]}>
                <input
                  type="checkbox"
                  checked={scopes.includes(scope)}
                  onChange={(e) => toggle(scope, e.currentTarget.checked)}
                />
                {scope}
              </label>
            ))}
        </div>
      </fieldset>
      <ProblemBox problem={action.error} />
      <button type="submit" disabled={action.busy || scopes.length === 0}>
        {action.busy ? 'Creating…' : 'Create key'}
      </button>
    </form>
  );
}
