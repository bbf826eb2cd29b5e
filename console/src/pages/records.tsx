/**
 * Records: every read of a record is decided for an end user, so the console browses AS
 * one: a pasted end-user token drives a separate client for this page. The token is
 * emptied from its field on submit, kept in memory only for paging, and never rendered.
 * With records:write, records can be imported by id with the console's API key.
 */
import type { ImportRecords, RecordPage, VerdictClient } from '@verdict-authz/sdk';
import { useRef, useState } from 'preact/hooks';
import type { PageProps } from '../page';
import { can, clientFor } from '../session';
import {
  formatTime,
  InputField,
  PageHeader,
  ProblemBox,
  parseJson,
  Table,
  TextField,
  useAction,
} from '../ui';

type Session = PageProps['session'];
type Row = RecordPage['data'][number];
type Browse = {
  /** The end user's client this page was read with (paging stays with that user). */
  client: VerdictClient;
  collection: string;
  where: Record<string, unknown> | undefined;
  rows: Row[];
  cursor: string | null;
  meta: RecordPage['meta'];
};

export function RecordsPage({ session }: PageProps) {
  return (
    <section>
      <PageHeader title="Records" />
      <p class="muted">
        Reads are decided per end user: paste a user's token to see exactly the records that user may read.
        The token stays in this page's memory only.
      </p>
      <BrowseRecords session={session} />
      {can(session, 'records:write') && <ImportForm session={session} />}
    </section>
  );
}

function BrowseRecords({ session }: { session: Session }) {
  const [collection, setCollection] = useState('');
  const [token, setToken] = useState('');
  const [where, setWhere] = useState('');
  const [browse, setBrowse] = useState<Browse>();
  const user = useRef<VerdictClient>();
  const [hasUser, setHasUser] = useState(false);
  const action = useAction();

  const forget = () => {
    user.current = undefined;
    setHasUser(false);
    setBrowse(undefined);
  };

  return (
    <>
      <form
        class="panel"
        aria-label="Browse records"
        onSubmit={async (e) => {
          e.preventDefault();
          const pasted = token.trim();
          setToken('');
          if (pasted) {
            // Another user: nothing of the previous one's stays on screen.
            user.current = clientFor({ workspaceId: session.workspaceId, token: pasted });
            setHasUser(true);
            setBrowse(undefined);
          }
          const client = user.current;
          const name = collection.trim();
          const result = await action.run(async () => {
            if (!client) throw new Error('Paste an end-user token first');
            const filter = parseJson(where, 'The where filter') as Record<string, unknown> | undefined;
            const page = await client.queryRecords(name, { where: filter, page: { limit: 50 } });
            return { page, filter };
          });
          if (!result || !client) return setBrowse(undefined);
          setBrowse({
            client,
            collection: name,
            where: result.filter,
            rows: result.page.data,
            cursor: result.page.page.nextCursor,
            meta: result.page.meta,
          });
        }}
      >
        <div class="grid">
          <InputField
            label="Collection"
            required
            placeholder="orders"
            value={collection}
            onValue={setCollection}
          />
        </div>
        <TextField
          label="End-user token"
          hint={
            hasUser
              ? 'A token is held for this page: leave empty to keep browsing as that user, or paste another'
              : 'A JWT from your identity provider; not stored, not shown again'
          }
          rows={3}
          value={token}
          onValue={setToken}
        />
        <TextField
          label="Where (JSON)"
          hint='Optional, e.g. { "status": "open" }'
          rows={3}
          value={where}
          onValue={setWhere}
        />
        <div class="row">
          <button type="submit" disabled={action.busy || (!hasUser && token.trim() === '')}>
            {action.busy ? 'Querying…' : 'Query records'}
          </button>
          {hasUser && (
            <button type="button" class="secondary" onClick={forget}>
              Forget token
            </button>
          )}
        </div>
      </form>
      <ProblemBox problem={action.error} />
      {browse && <RecordsTable browse={browse} busy={action.busy} onMore={loadMore} />}
    </>
  );

  /** The next page, by the client (the user) whose page this is. */
  async function loadMore() {
    const current = browse;
    if (!current?.cursor) return;
    const client = current.client;
    const cursor = current.cursor;
    const page = await action.run(() =>
      client.queryRecords(current.collection, { where: current.where, page: { limit: 50, cursor } }),
    );
    if (page)
      setBrowse({
        ...current,
        rows: [...current.rows, ...page.data],
        cursor: page.page.nextCursor,
        meta: page.meta,
      });
  }
}

function RecordsTable({ browse, busy, onMore }: { browse: Browse; busy: boolean; onMore: () => void }) {
  const { meta } = browse;
  return (
    <section class="panel" aria-labelledby="records-result">
      <h2 id="records-result">
        {browse.collection}: {browse.rows.length} record{browse.rows.length === 1 ? '' : 's'}
      </h2>
      <dl class="facts">
        <dt>Strategy</dt>
        <dd>
          {meta.strategy === 'sql'
            ? 'sql (the policy was translated to a query)'
            : 'scan (filtered per record)'}
        </dd>
        <dt>Complete</dt>
        <dd>
          {meta.complete ? 'yes' : 'no'}
          {meta.reason === 'scan_budget' && ' (the scan budget ran out: load more to continue)'}
        </dd>
        {meta.untranslated.length > 0 && (
          <>
            <dt>Untranslated</dt>
            <dd>{meta.untranslated.join(', ')}</dd>
          </>
        )}
      </dl>
      {browse.rows.length === 0 ? (
        <p>No record this user may read matches.</p>
      ) : (
        <Table
          columns={['ID', 'Owner', 'Version', 'Updated', 'Data']}
          caption={`Records of ${browse.collection} readable by this user`}
        >
          {browse.rows.map((r) => (
            <tr key={r.id}>
              <td>
                <code>{r.id}</code>
              </td>
              <td>
                <code>{r.owner}</code>
              </td>
              <td>{r.version}</td>
              <td>{formatTime(r.updatedAt)}</td>
              <td>
                <code class="compact">{JSON.stringify(r.data)}</code>
              </td>
            </tr>
          ))}
        </Table>
      )}
      {browse.cursor && (
        <button type="button" class="secondary" disabled={busy} onClick={onMore}>
          {busy ? 'Loading…' : 'Load more'}
        </button>
      )}
    </section>
  );
}

const EXAMPLE = `{
  "records": [
    { "id": "order-1", "owner": "user_123", "data": { "status": "open", "amount": 500 } }
  ]
}`;

function ImportForm({ session }: { session: Session }) {
  const [collection, setCollection] = useState('');
  const [body, setBody] = useState(EXAMPLE);
  const [imported, setImported] = useState<{ n: number; collection: string }>();
  const action = useAction();
  return (
    <form
      class="panel"
      aria-label="Import records"
      onSubmit={async (e) => {
        e.preventDefault();
        setImported(undefined);
        const name = collection.trim();
        const r = await action.run(() => {
          const parsed = parseJson(body, 'The records');
          if (parsed === undefined) throw new Error('The records are empty');
          return session.client.importRecords(name, parsed as ImportRecords);
        });
        if (r) setImported({ n: r.data.imported, collection: name });
      }}
    >
      <h2>Import records</h2>
      <p class="muted">
        Inserts or replaces records by id with this console's API key (no end-user token, no policy).
      </p>
      <InputField label="Import collection" required value={collection} onValue={setCollection} />
      <TextField
        label="Records (JSON)"
        hint='{ "records": [{ "id", "data", "owner"? }] }'
        rows={8}
        value={body}
        onValue={setBody}
      />
      <button type="submit" disabled={action.busy}>
        {action.busy ? 'Importing…' : 'Import records'}
      </button>
      <ProblemBox problem={action.error} />
      {imported && (
        <p class="ok" role="status">
          Imported {imported.n} record{imported.n === 1 ? '' : 's'} into {imported.collection}.
        </p>
      )}
    </form>
  );
}
