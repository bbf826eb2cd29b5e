/**
 * Policies: the list, and per policy an editor with completion of functions and known
 * attributes (the contract's policy schema plus GET /attributes), the server's write-time
 * errors and warnings inline at the rule and condition they name (POST /validate as you
 * type; the same check a save runs), save, version history with a diff between any two
 * versions, and rollback.
 */
import type { PolicyDocument, PolicyVersion, PolicyWriteResult } from '@verdict-authz/sdk';
import { useEffect, useRef, useState } from 'preact/hooks';
import { DiffView } from '../diff-view';
import { JsonEditor } from '../editor';
import type { PageProps } from '../page';
import { policyIssues } from '../policy-issues';
import { href, navigate } from '../router';
import { contractSchema } from '../schemas';
import { can, type Session } from '../session';
import { formatTime, Loaded, PageHeader, ProblemBox, Table, useAction, useAsync } from '../ui';

const pretty = (v: unknown) => `${JSON.stringify(v, null, 2)}\n`;

const template = (name: string) =>
  pretty({
    name,
    specification: {
      rules: [
        {
          rule_id: 'allow-managers',
          effect: 'Allow',
          conditions: [{ function: 'string_equal', attribute: 'ext_role', value: 'manager' }],
        },
      ],
      default: { rule_id: 'deny', effect: 'Deny' },
    },
  });

export function PoliciesPage({ session, arg }: PageProps) {
  if (arg) return <PolicyDetail key={arg} session={session} name={arg} />;
  return <PolicyList session={session} />;
}

function PolicyList({ session }: { session: Session }) {
  const policies = useAsync(() => session.client.listPolicies().then((r) => r.data), []);
  const [name, setName] = useState('');
  const writable = can(session, 'policies:write');
  return (
    <section>
      <PageHeader title="Policies" />
      {writable && (
        <form
          class="row"
          onSubmit={(e) => {
            e.preventDefault();
            if (name.trim()) navigate('policies', name.trim());
          }}
        >
          <label for="new-policy">New policy named</label>
          <input
            id="new-policy"
            pattern="[A-Za-z0-9_\-]+"
            placeholder="order_approval"
            value={name}
            onInput={(e) => setName(e.currentTarget.value)}
          />
          <button type="submit">Create policy</button>
        </form>
      )}
      <Loaded state={policies}>
        {(items) =>
          items.length === 0 ? (
            <p>No policy yet.</p>
          ) : (
            <Table columns={['Policy', 'Live version', 'Latest version', 'Updated']}>
              {items.map((p) => (
                <tr key={p.name}>
                  <td>
                    <a href={href('policies', p.name)}>{p.name}</a>
                  </td>
                  <td>v{p.currentVersion}</td>
                  <td>v{p.latestVersion}</td>
                  <td>{formatTime(p.updatedAt)}</td>
                </tr>
              ))}
            </Table>
          )
        }
      </Loaded>
    </section>
  );
}

type PolicyState = { current: (PolicyVersion & { latestVersion: number }) | null; versions: PolicyVersion[] };

/**
 * The policy and its versions; a name the list does not have is a new policy, known without
 * asking for it (a 404 would be logged as an error in the browser's console).
 */
async function loadPolicy(session: Session, name: string): Promise<PolicyState> {
  const { data: existing } = await session.client.listPolicies();
  if (!existing.some((p) => p.name === name)) return { current: null, versions: [] };
  try {
    const [current, versions] = await Promise.all([
      session.client.getPolicy(name),
      session.client.listPolicyVersions(name),
    ]);
    return { current: current.data, versions: versions.data };
  } catch (err) {
    if ((err as { status?: number }).status === 404) return { current: null, versions: [] };
    throw err;
  }
}

function PolicyDetail({ session, name }: { session: Session; name: string }) {
  const state = useAsync(() => loadPolicy(session, name), [name]);
  const schema = useAsync(() => contractSchema('policy'), []);
  const attributes = useAsync(
    () =>
      session.client
        .getAttributes()
        .then((r) => [...r.data.mapped.map((a) => a.name), ...r.data.builtin])
        .catch(() => [] as string[]),
    [],
  );
  const [text, setText] = useState<string>();
  // Bumped when the text is replaced from outside (load, save, rollback): remounts the editor.
  const [rev, setRev] = useState(0);
  const [saved, setSaved] = useState<PolicyWriteResult>();
  const save = useAction();
  const saving = useRef(false);
  const rollback = useAction();
  const writable = can(session, 'policies:write');

  useEffect(() => {
    if (!state.data) return;
    setText(state.data.current ? pretty(state.data.current.source) : template(name));
    setRev((r) => r + 1);
  }, [state.data, name]);

  const check = policyIssues(session.client);

  const onSave = async () => {
    // One save at a time (Ctrl+S bypasses the button's disabled state).
    if (text === undefined || !writable || saving.current) return;
    saving.current = true;
    setSaved(undefined);
    const result = await save.run(async () => {
      let doc: PolicyDocument;
      try {
        doc = JSON.parse(text) as PolicyDocument;
      } catch (err) {
        throw new Error(`The policy is not valid JSON: ${(err as Error).message}`);
      }
      return session.client.putPolicy(name, doc);
    });
    saving.current = false;
    if (result) {
      setSaved(result.data);
      state.reload();
    }
  };

  return (
    <section>
      <PageHeader title={`Policy ${name}`}>
        <a href={href('policies')}>All policies</a>
      </PageHeader>
      <Loaded state={state}>
        {(loaded) => (
          <div class="split">
            <div>
              <p class="muted">
                {loaded.current
                  ? `Live: v${loaded.current.version} of ${loaded.current.latestVersion}.`
                  : 'Not saved yet.'}{' '}
                Completion: Ctrl+Space. Save: Ctrl+S. Errors and warnings appear at the rule and condition
                they name.
              </p>
              {text !== undefined && schema.data !== undefined ? (
                <JsonEditor
                  key={rev}
                  label={`Policy ${name}`}
                  value={text}
                  onChange={setText}
                  schema={schema.data}
                  attributes={attributes.data ?? []}
                  check={check}
                  onSave={onSave}
                  minLines={20}
                />
              ) : (
                <Loaded state={schema}>{() => null}</Loaded>
              )}
              <ProblemBox problem={save.error} />
              {saved && (
                <div class="ok" role="status">
                  Saved <strong>v{saved.version}</strong> (live: v{saved.currentVersion}).
                  {saved.warnings.length > 0 && (
                    <ul>
                      {saved.warnings.map((w) => (
                        <li key={w.path} class="warning">
                          <code>{w.path}</code> {w.message}
                        </li>
                      ))}
                    </ul>
                  )}
                </div>
              )}
              {writable && (
                <div class="row">
                  <button type="button" onClick={onSave} disabled={save.busy}>
                    {save.busy ? 'Saving…' : 'Save policy'}
                  </button>
                  {loaded.current && (
                    <button
                      type="button"
                      class="secondary"
                      onClick={() => navigate('playground', name)}
                      title="Try this policy in the playground"
                    >
                      Try in playground
                    </button>
                  )}
                </div>
              )}
            </div>
            <Versions
              session={session}
              name={name}
              versions={loaded.versions}
              live={loaded.current?.version}
              writable={writable}
              rollback={rollback}
              onRolledBack={state.reload}
            />
          </div>
        )}
      </Loaded>
    </section>
  );
}

function Versions({
  session,
  name,
  versions,
  live,
  writable,
  rollback,
  onRolledBack,
}: {
  session: Session;
  name: string;
  versions: PolicyVersion[];
  live: number | undefined;
  writable: boolean;
  rollback: ReturnType<typeof useAction>;
  onRolledBack: () => void;
}) {
  const sorted = [...versions].sort((a, b) => b.version - a.version);
  const [left, setLeft] = useState<number>();
  const [right, setRight] = useState<number>();
  useEffect(() => {
    setRight(sorted[0]?.version);
    setLeft(sorted[1]?.version ?? sorted[0]?.version);
  }, [versions]);
  if (sorted.length === 0) return <aside class="panel">No versions yet.</aside>;
  const source = (v: number | undefined) => pretty(sorted.find((x) => x.version === v)?.source ?? {});
  return (
    <aside class="panel" aria-label="Version history">
      <h2>Versions</h2>
      <Table columns={['Version', 'Written', { hidden: 'Actions' }]}>
        {sorted.map((v) => (
          <tr key={v.version} class={v.version === live ? 'selected' : ''}>
            <td>
              v{v.version} {v.version === live && <span class="badge allow">live</span>}
            </td>
            <td>{formatTime(v.createdAt)}</td>
            <td>
              {writable && v.version !== live && (
                <button
                  type="button"
                  class="secondary"
                  disabled={rollback.busy}
                  onClick={async () => {
                    const done = await rollback.run(() => session.client.rollbackPolicy(name, v.version));
                    if (done) onRolledBack();
                  }}
                >
                  Roll back to v{v.version}
                </button>
              )}
            </td>
          </tr>
        ))}
      </Table>
      <ProblemBox problem={rollback.error} />
      {sorted.length > 1 && (
        <>
          <h3>Compare</h3>
          <div class="row">
            <label for="diff-from">From</label>
            <select id="diff-from" value={left} onChange={(e) => setLeft(Number(e.currentTarget.value))}>
              {sorted.map((v) => (
                <option key={v.version} value={v.version}>
                  v{v.version}
                </option>
              ))}
            </select>
            <label for="diff-to">to</label>
            <select id="diff-to" value={right} onChange={(e) => setRight(Number(e.currentTarget.value))}>
              {sorted.map((v) => (
                <option key={v.version} value={v.version}>
                  v{v.version}
                </option>
              ))}
            </select>
          </div>
          <DiffView
            label={`Changes from v${left} to v${right}`}
            before={source(left)}
            after={source(right)}
          />
        </>
      )}
    </aside>
  );
}
