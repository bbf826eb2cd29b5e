/**
 * Impact & shadow: what a policy change would do before it ships. "Replay a draft" runs
 * every stored decision of a window against the edited policy (inline, or as a job polled
 * each second) and shows the flips by resource, subject and rule, with explained samples.
 * "Shadow" attaches the draft beside the live policy: it is evaluated on live traffic and
 * decides nothing, until it is promoted or detached. A route argument picks the policy.
 */
import {
  type ImpactCounts,
  type ImpactJob,
  type ImpactRequest,
  type ImpactResult,
  type PolicyDocument,
  type Shadow,
  VerdictError,
} from '@verdict-authz/sdk';
import { useEffect, useState } from 'preact/hooks';
import { BarChart, COLORS } from '../charts';
import { JsonEditor } from '../editor';
import type { PageProps } from '../page';
import { policyIssues } from '../policy-issues';
import { type ShownProblem, toProblem } from '../problem';
import { href } from '../router';
import { contractSchema } from '../schemas';
import { can } from '../session';
import { Reasons } from '../trace-view';
import {
  Badge,
  Field,
  formatTime,
  InputField,
  Json,
  Loaded,
  PageHeader,
  ProblemBox,
  parseJson,
  Table,
  useAction,
  useAsync,
  useForm,
} from '../ui';

type Session = PageProps['session'];

const WINDOWS = [
  { value: '1h', label: 'Last hour' },
  { value: '24h', label: 'Last 24 hours' },
  { value: '7d', label: 'Last 7 days' },
  { value: '30d', label: 'Last 30 days' },
];

export function ImpactPage({ session, arg }: PageProps) {
  const policies = useAsync(() => session.client.listPolicies().then((r) => r.data), []);
  const [chosen, setChosen] = useState<string | undefined>(arg);
  // Only a listed policy is asked for (a name from the route that is not one would be a 404).
  const listed = policies.data ?? [];
  const name = listed.some((p) => p.name === chosen) ? chosen : listed[0]?.name;

  return (
    <section>
      <PageHeader title="Impact & shadow" />
      <p class="muted">
        Replay the stored decisions against a draft, or run it in shadow beside the live policy, before it
        ships.
      </p>
      <Loaded state={policies}>
        {(items) =>
          items.length === 0 ? (
            <p>No policy yet: write one on the Policies page first.</p>
          ) : (
            <>
              <Field label="Policy">
                {(id) => (
                  <select id={id} value={name} onChange={(e) => setChosen(e.currentTarget.value)}>
                    {items.map((p) => (
                      <option key={p.name} value={p.name}>
                        {p.name} (v{p.currentVersion})
                      </option>
                    ))}
                  </select>
                )}
              </Field>
              {name && <PolicyImpact key={name} session={session} name={name} />}
            </>
          )
        }
      </Loaded>
    </section>
  );
}

/** The draft of one policy (prefilled with its live version), its replay and its shadow. */
function PolicyImpact({ session, name }: { session: Session; name: string }) {
  const live = useAsync(() => session.client.getPolicy(name).then((r) => r.data), [name]);
  const schema = useAsync(() => contractSchema('policy'), []);
  const [draft, setDraft] = useState<string>();
  // Bumped when the draft is replaced from outside (prefill, reset): remounts the editor.
  const [rev, setRev] = useState(0);
  const reset = () => {
    if (!live.data) return;
    setDraft(`${JSON.stringify(live.data.source, null, 2)}\n`);
    setRev((r) => r + 1);
  };
  useEffect(() => {
    if (draft === undefined) reset();
  }, [live.data]);
  const parsedDraft = () => {
    const doc = parseJson(draft ?? '', 'The draft policy');
    if (doc === undefined) throw new Error('The draft policy is empty');
    return doc;
  };

  return (
    <>
      <section class="panel" aria-labelledby="impact-draft">
        <h2 id="impact-draft">Draft</h2>
        <Loaded state={live}>
          {(p) => (
            <>
              <p class="muted">
                Prefilled with {p.name} version {p.version} (live). Edit it, then replay it or attach it as a
                shadow.
              </p>
              {draft !== undefined && schema.data ? (
                <JsonEditor
                  key={rev}
                  label="Draft policy"
                  value={draft}
                  onChange={setDraft}
                  schema={schema.data}
                  minLines={14}
                  check={policyIssues(session.client)}
                />
              ) : (
                <Loaded state={schema}>{() => null}</Loaded>
              )}
              <button type="button" class="secondary" onClick={reset}>
                Reset draft
              </button>
            </>
          )}
        </Loaded>
      </section>
      <Replay session={session} name={name} draft={parsedDraft} />
      <ShadowPanel session={session} name={name} draft={parsedDraft} />
    </>
  );
}

type ReplayForm = { since: string; resource: string; action: string; subject: string; job: boolean };

function Replay({ session, name, draft }: { session: Session; name: string; draft: () => unknown }) {
  const { form, set, field } = useForm<ReplayForm>({
    since: '7d',
    resource: '',
    action: '',
    subject: '',
    job: false,
  });
  const action = useAction();
  const [result, setResult] = useState<ImpactResult>();
  const [job, setJob] = useState<ImpactJob>();
  const [started, setStarted] = useState<ImpactJob>();
  const [pollError, setPollError] = useState<ShownProblem>();

  // A started job is polled each second (the SDK's followImpactJob) until it is done or failed,
  // and no longer once another replay starts or the page is left.
  useEffect(() => {
    if (!started) return;
    const stop = new AbortController();
    (async () => {
      try {
        // A state read just before a new replay started is not that replay's: shown only for its own job.
        for await (const state of session.client.followImpactJob(started, { signal: stop.signal }))
          setJob((shown) => (shown?.id === state.id ? state : shown));
      } catch (err) {
        if (!stop.signal.aborted) setPollError(toProblem(err));
      }
    })();
    return () => stop.abort();
  }, [started, session]);

  const shown = result ?? (job?.status === 'done' ? (job.result ?? undefined) : undefined);
  const running = job !== undefined && (job.status === 'queued' || job.status === 'running') && !pollError;

  return (
    <section class="panel" aria-labelledby="impact-replay">
      <h2 id="impact-replay">Replay a draft</h2>
      <form
        aria-label="Replay a draft"
        onSubmit={async (e) => {
          e.preventDefault();
          setResult(undefined);
          setJob(undefined);
          setPollError(undefined);
          setStarted(undefined);
          const answer = await action.run(() => {
            // Large windows become background jobs on their own; "job" asks for one anyway.
            const request: ImpactRequest = {
              policies: { [name]: draft() },
              since: form.since,
              mode: form.job ? 'job' : 'auto',
            };
            if (form.resource.trim()) request.resource = form.resource.trim();
            if (form.action.trim()) request.action = form.action.trim();
            if (form.subject.trim()) request.subject = form.subject.trim();
            return session.client.impact(request);
          });
          if (!answer) return;
          if ('result' in answer) setResult(answer.result);
          else {
            setJob(answer.job);
            setStarted(answer.job);
          }
        }}
      >
        <div class="grid">
          <Field label="Window">
            {(id) => (
              <select id={id} value={form.since} onChange={(e) => set({ since: e.currentTarget.value })}>
                {WINDOWS.map((w) => (
                  <option key={w.value} value={w.value}>
                    {w.label}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <InputField label="Resource" hint="Optional: only this resource" {...field('resource')} />
          <InputField label="Action" hint="Optional: only this action" {...field('action')} />
          <InputField label="Subject" hint="Optional: only this subject" {...field('subject')} />
        </div>
        <label class="check">
          <input type="checkbox" checked={form.job} onChange={(e) => set({ job: e.currentTarget.checked })} />
          Run as a background job (with progress; windows over the inline limit always are)
        </label>
        <button type="submit" disabled={action.busy || running}>
          {action.busy ? 'Replaying…' : 'Run replay'}
        </button>
      </form>
      <ProblemBox problem={action.error} />
      <ProblemBox problem={pollError} />
      {job && job.status !== 'done' && job.status !== 'failed' && (
        <div role="status" aria-live="polite">
          <p>
            Replay job {job.status}: {job.processed} of {job.total} decisions replayed…
          </p>
          <progress aria-label="Replay progress" max={Math.max(job.total, 1)} value={job.processed} />
        </div>
      )}
      {job?.status === 'failed' && (
        <ProblemBox
          problem={{
            title: 'The replay job failed',
            detail: job.error ?? 'No detail',
            status: 0,
            code: 'job_failed',
            errors: [],
          }}
        />
      )}
      {shown && <ImpactView result={shown} />}
    </section>
  );
}

function CountCells({ c }: { c: ImpactCounts }) {
  return (
    <>
      <td>{c.considered}</td>
      <td>{c.unchanged}</td>
      <td class={c.allowToDeny ? 'error' : undefined}>{c.allowToDeny}</td>
      <td>{c.denyToAllow}</td>
      <td>{c.indeterminate}</td>
    </>
  );
}

const COUNT_COLUMNS = ['Considered', 'Unchanged', 'Allow → Deny', 'Deny → Allow', 'Indeterminate'];

function ImpactView({ result: r }: { result: ImpactResult }) {
  const changed = r.byResourceAction.filter((x) => x.allowToDeny + x.denyToAllow + x.indeterminate > 0);
  return (
    <section aria-label="Replay result" class="impact-result">
      <h3>Result</h3>
      <p class="muted">
        Every stored decision from {formatTime(r.window.since)} to {formatTime(r.window.until)} was replayed.
      </p>
      <dl class="stats">
        <div>
          <dt>Considered</dt>
          <dd>{r.considered}</dd>
        </div>
        <div>
          <dt>Unchanged</dt>
          <dd>{r.unchanged}</dd>
        </div>
        <div class="deny">
          <dt>Allow → Deny</dt>
          <dd>{r.allowToDeny}</dd>
        </div>
        <div class="allow">
          <dt>Deny → Allow</dt>
          <dd>{r.denyToAllow}</dd>
        </div>
        <div>
          <dt>Indeterminate</dt>
          <dd>{r.indeterminate}</dd>
        </div>
        <div>
          <dt>Rule changed</dt>
          <dd>{r.ruleChanged}</dd>
        </div>
        <div>
          <dt>Excluded</dt>
          <dd>{r.excluded}</dd>
        </div>
        <div>
          <dt>Drift</dt>
          <dd>{r.drift}</dd>
        </div>
      </dl>
      {r.drift > 0 && (
        <p class="warning">
          {r.drift} decisions would already be answered differently by the live policies (drift): they are not
          caused by this draft.
        </p>
      )}

      <h3>By resource and action</h3>
      {changed.length > 0 && (
        <BarChart
          label={`Flipped decisions by resource and action: ${changed
            .slice(0, 5)
            .map(
              (x) =>
                `${x.resource}:${x.action} ${x.allowToDeny} allow to deny, ${x.denyToAllow} deny to allow`,
            )
            .join('; ')}`}
          labels={changed.map((x) => `${x.resource}:${x.action}`)}
          datasets={[
            { label: 'Allow → Deny', data: changed.map((x) => x.allowToDeny), color: COLORS.deny },
            { label: 'Deny → Allow', data: changed.map((x) => x.denyToAllow), color: COLORS.allow },
          ]}
          stacked
          horizontal
        />
      )}
      {r.byResourceAction.length === 0 ? (
        <p class="muted">No decisions in the window.</p>
      ) : (
        <Table columns={['Resource', 'Action', ...COUNT_COLUMNS]} caption="Replay by resource and action">
          {r.byResourceAction.map((x) => (
            <tr key={`${x.resource}:${x.action}`}>
              <td>{x.resource}</td>
              <td>{x.action}</td>
              <CountCells c={x} />
            </tr>
          ))}
        </Table>
      )}

      <h3>By subject</h3>
      {r.bySubject.length === 0 ? (
        <p class="muted">No subject.</p>
      ) : (
        <Table columns={['Subject', ...COUNT_COLUMNS]} caption="Replay by subject">
          {r.bySubject.map((x) => (
            <tr key={x.subject}>
              <td>
                <code>{x.subject}</code>
              </td>
              <CountCells c={x} />
            </tr>
          ))}
        </Table>
      )}
      {r.subjectsLeftOut > 0 && (
        <p class="muted">{r.subjectsLeftOut} changed decisions of further subjects are not listed.</p>
      )}

      <h3>Rule hits</h3>
      {r.rules.length === 0 ? (
        <p class="muted">No rule decided anything in the window.</p>
      ) : (
        <Table
          columns={['Policy', 'Rule', 'Before', 'After', 'Change']}
          caption="Decisions per rule, before and after the draft"
        >
          {r.rules.map((x) => (
            <tr key={`${x.policy}/${x.rule}`}>
              <td>{x.policy}</td>
              <td>
                <code>{x.rule}</code>
              </td>
              <td>{x.before}</td>
              <td>{x.after}</td>
              <td>{x.after - x.before > 0 ? `+${x.after - x.before}` : x.after - x.before}</td>
            </tr>
          ))}
        </Table>
      )}

      <h3>Samples</h3>
      {r.samples.length === 0 ? (
        <p class="muted">No decision flips.</p>
      ) : (
        r.samples.map((s) => (
          <details key={s.decisionId} class="sample">
            <summary>
              <code>{s.subject}</code> {s.resource}:{s.action} — <Badge decision={s.before.decision} /> →{' '}
              <Badge decision={s.after.decision} /> <span class="muted">{formatTime(s.time)}</span>
            </summary>
            <p>
              Decision <a href={href('audit', s.decisionId)}>{s.decisionId}</a>
            </p>
            <div class="split">
              {(['before', 'after'] as const).map((side) => (
                <div key={side}>
                  <h4>{side === 'before' ? 'Before (stored)' : 'After (draft)'}</h4>
                  <p>
                    <Badge decision={s[side].decision} /> {s[side].policy ?? '—'}, rule{' '}
                    <code>{s[side].ruleId ?? '—'}</code>
                  </p>
                  <Reasons reasons={s[side].reasons} />
                </div>
              ))}
            </div>
          </details>
        ))
      )}
    </section>
  );
}

/** getShadow, with "none attached" (404) as null rather than an error. */
async function shadowOf(session: Session, name: string): Promise<Shadow | null> {
  try {
    return (await session.client.getShadow(name)).data;
  } catch (err) {
    if (err instanceof VerdictError && err.status === 404) return null;
    throw err;
  }
}

function ShadowPanel({ session, name, draft }: { session: Session; name: string; draft: () => unknown }) {
  const shadow = useAsync(() => shadowOf(session, name), [name]);
  // What this page's last write says (attached: the shadow; promoted or detached: none): shown
  // without asking again, since asking for a shadow that is not there is a 404 the browser logs.
  const [known, setKnown] = useState<Shadow | null>();
  const current = known !== undefined ? known : shadow.data;
  const action = useAction();
  const [done, setDone] = useState<string>();
  const writable = can(session, 'policies:write');
  const act = async (what: () => Promise<{ message: string; shadow: Shadow | null }>) => {
    setDone(undefined);
    const outcome = await action.run(what);
    if (outcome) {
      setDone(outcome.message);
      setKnown(outcome.shadow);
    }
  };
  const refresh = () => {
    setKnown(undefined);
    shadow.reload();
  };

  return (
    <section class="panel" aria-labelledby="impact-shadow">
      <div class="row spread">
        <h2 id="impact-shadow">Shadow</h2>
        <button type="button" class="secondary" onClick={refresh}>
          Refresh shadow
        </button>
      </div>
      <p class="muted">
        A shadow draft is evaluated beside the live policy on every decision that uses it, and decides
        nothing.
      </p>
      {known !== undefined ? (
        known === null ? (
          <p>No shadow attached.</p>
        ) : (
          <ShadowView shadow={known} />
        )
      ) : (
        <Loaded state={shadow}>
          {(s) => (s === null ? <p>No shadow attached.</p> : <ShadowView shadow={s} />)}
        </Loaded>
      )}
      <ProblemBox problem={action.error} />
      {done && (
        <p class="ok" role="status">
          {done}
        </p>
      )}
      {writable && (
        <div class="row">
          <button
            type="button"
            disabled={action.busy}
            onClick={() =>
              act(async () => {
                const { data } = await session.client.attachShadow(name, draft() as PolicyDocument);
                const warnings = (data as Shadow & { warnings?: { path: string; message: string }[] })
                  .warnings;
                const message = `Attached the draft as the shadow of ${name}${
                  warnings?.length
                    ? ` (warnings: ${warnings.map((w) => `${w.path} ${w.message}`).join('; ')})`
                    : ''
                }.`;
                return { message, shadow: data };
              })
            }
          >
            Attach draft as shadow
          </button>
          {current && (
            <>
              <button
                type="button"
                class="secondary"
                disabled={action.busy}
                onClick={() => {
                  if (
                    !window.confirm(`Promote the shadow of ${name}? It becomes the live version from now on.`)
                  )
                    return;
                  act(async () => {
                    const { data } = await session.client.promoteShadow(name);
                    return { message: `Promoted: ${name} is live at version ${data.version}.`, shadow: null };
                  });
                }}
              >
                Promote shadow
              </button>
              <button
                type="button"
                class="danger"
                disabled={action.busy}
                onClick={() =>
                  act(async () => {
                    await session.client.detachShadow(name);
                    return { message: `Detached the shadow of ${name}.`, shadow: null };
                  })
                }
              >
                Detach shadow
              </button>
            </>
          )}
        </div>
      )}
    </section>
  );
}

function ShadowView({ shadow: s }: { shadow: Shadow }) {
  const rate = s.evaluated ? ` (${((100 * s.diverged) / s.evaluated).toFixed(1)} %)` : '';
  return (
    <>
      <dl class="stats">
        <div>
          <dt>Evaluated</dt>
          <dd>{s.evaluated}</dd>
        </div>
        <div class={s.diverged ? 'deny' : undefined}>
          <dt>Diverged</dt>
          <dd>
            {s.diverged}
            {rate}
          </dd>
        </div>
      </dl>
      <p class="muted">
        Attached {formatTime(s.attachedAt)} beside live version {s.liveVersion}.
      </p>
      <details>
        <summary>Shadow draft</summary>
        <Json value={s.draft} label="Shadow draft" />
      </details>
      <h3>Recent divergences</h3>
      {s.examples.length === 0 ? (
        <p class="muted">No divergence yet.</p>
      ) : (
        <Table
          columns={['Time', 'Subject', 'Resource', 'Action', 'Live', 'Shadow', 'Decision']}
          caption="Decisions where the shadow diverged from the live policy"
        >
          {s.examples.map((x) => (
            <tr key={x.decisionId}>
              <td>{formatTime(x.time)}</td>
              <td>
                <code>{x.subject ?? '—'}</code>
              </td>
              <td>{x.resource}</td>
              <td>{x.action}</td>
              <td>
                <Badge decision={x.live.decision} /> <code>{x.live.ruleId ?? '—'}</code>
              </td>
              <td>
                <Badge decision={x.shadow.decision} /> <code>{x.shadow.ruleId ?? '—'}</code>
              </td>
              <td>
                <a href={href('audit', x.decisionId)}>{x.decisionId}</a>
              </td>
            </tr>
          ))}
        </Table>
      )}
    </>
  );
}
