/**
 * Revocations: subjects (sub) and single tokens (jti) refused before any policy is asked,
 * optionally until a date; each can be lifted again.
 */
import type { Revocation, Revoke } from '@verdict-authz/sdk';
import { useState } from 'preact/hooks';
import type { PageProps } from '../page';
import {
  Field,
  formatTime,
  InputField,
  isoOf,
  Loaded,
  PageHeader,
  ProblemBox,
  Table,
  useAction,
  useAsync,
} from '../ui';

type Session = PageProps['session'];

const KINDS: Record<Revoke['kind'], string> = {
  sub: 'Subject (sub): every token of a user',
  jti: 'Token (jti): one token',
};

export function RevocationsPage({ session }: PageProps) {
  const list = useAsync(() => session.client.listRevocations().then((r) => r.data), []);
  return (
    <section>
      <PageHeader title="Revocations">
        <button type="button" class="secondary" onClick={list.reload}>
          Refresh
        </button>
      </PageHeader>
      <p class="muted">A revoked subject or token is refused before any policy is asked.</p>
      <RevokeForm session={session} onRevoked={list.reload} />
      <h2>Revoked</h2>
      <Loaded state={list}>
        {(items) =>
          items.length === 0 ? (
            <p>Nothing is revoked.</p>
          ) : (
            <RevocationsTable session={session} items={items} onChanged={list.reload} />
          )
        }
      </Loaded>
    </section>
  );
}

function RevocationsTable({
  session,
  items,
  onChanged,
}: {
  session: Session;
  items: Revocation[];
  onChanged: () => void;
}) {
  const lift = useAction();
  return (
    <>
      <ProblemBox problem={lift.error} />
      <Table
        columns={['Kind', 'Value', 'Expires', 'Created', { hidden: 'Actions' }]}
        caption="Revoked subjects and tokens"
      >
        {items.map((r) => (
          <tr key={`${r.kind}:${r.value}`}>
            <td>{r.kind}</td>
            <td>
              <code>{r.value}</code>
            </td>
            <td>{r.expiresAt == null ? 'never' : formatTime(r.expiresAt)}</td>
            <td>{formatTime(r.createdAt)}</td>
            <td>
              <button
                type="button"
                class="secondary"
                aria-label={`Unrevoke ${r.kind} ${r.value}`}
                disabled={lift.busy}
                onClick={async () => {
                  if (await lift.run(() => session.client.unrevoke(r.kind, r.value).then(() => true)))
                    onChanged();
                }}
              >
                Unrevoke
              </button>
            </td>
          </tr>
        ))}
      </Table>
    </>
  );
}

function RevokeForm({ session, onRevoked }: { session: Session; onRevoked: () => void }) {
  const [kind, setKind] = useState<Revoke['kind']>('sub');
  const [value, setValue] = useState('');
  const [expires, setExpires] = useState('');
  const [done, setDone] = useState<Revocation>();
  const action = useAction();
  return (
    <form
      class="panel"
      aria-label="Revoke a subject or token"
      onSubmit={async (e) => {
        e.preventDefault();
        setDone(undefined);
        const input: Revoke = { kind, value: value.trim() };
        const at = isoOf(expires);
        if (at) input.expiresAt = at;
        const r = await action.run(() => session.client.revoke(input));
        if (r) {
          setDone(r.data);
          setValue('');
          setExpires('');
          onRevoked();
        }
      }}
    >
      <h2>Revoke a subject or token</h2>
      <div class="grid">
        <Field label="Kind">
          {(id) => (
            <select id={id} value={kind} onChange={(e) => setKind(e.currentTarget.value as Revoke['kind'])}>
              {Object.entries(KINDS).map(([k, label]) => (
                <option key={k} value={k}>
                  {label}
                </option>
              ))}
            </select>
          )}
        </Field>
        <InputField
          label="Value"
          hint={kind === 'sub' ? "The token's sub claim" : "The token's jti claim"}
          required
          value={value}
          onValue={setValue}
        />
        <InputField
          label="Expires at (optional)"
          hint="Empty: until lifted"
          type="datetime-local"
          value={expires}
          onValue={setExpires}
        />
      </div>
      <ProblemBox problem={action.error} />
      {done && (
        <p class="ok" role="status">
          Revoked {done.kind} <code>{done.value}</code>
          {done.expiresAt == null ? '' : ` until ${formatTime(done.expiresAt)}`}.
        </p>
      )}
      <button type="submit" disabled={action.busy}>
        {action.busy ? 'Revoking…' : 'Revoke'}
      </button>
    </form>
  );
}
