/**
 * Audit: the decision trail with filters and paging, a decision's full explanation
 * (reasons, the attributes and context the policy saw, the shadow's answer), the hourly
 * and top-N aggregates as charts, and the NDJSON export (hot window and archive).
 * A route argument (#/audit/<decisionId>) opens that decision.
 */
import type { AuditEvent, AuditQuery, AuditStats } from '@verdict-authz/sdk';
import { useEffect, useRef, useState } from 'preact/hooks';
import { BarChart, COLORS } from '../charts';
import type { PageProps } from '../page';
import { navigate } from '../router';
import { can } from '../session';
import { Reasons } from '../trace-view';
import {
  Badge,
  download,
  Field,
  formatTime,
  InputField,
  isoOf,
  Json,
  Loaded,
  Loading,
  PageHeader,
  ProblemBox,
  Table,
  useAction,
  useAsync,
  useForm,
} from '../ui';

type Filters = {
  subject: string;
  resource: string;
  action: string;
  decision: '' | 'Allow' | 'Deny';
  from: string;
  to: string;
};

const noFilters: Filters = { subject: '', resource: '', action: '', decision: '', from: '', to: '' };

/** A datetime-local value (the browser's local time) as an ISO instant. */

function toQuery(f: Filters): Omit<AuditQuery, 'limit' | 'cursor'> {
  const q: Omit<AuditQuery, 'limit' | 'cursor'> = {};
  if (f.subject.trim()) q.subject = f.subject.trim();
  if (f.resource.trim()) q.resource = f.resource.trim();
  if (f.action.trim()) q.action = f.action.trim();
  if (f.decision) q.decision = f.decision;
  const from = isoOf(f.from);
  const to = isoOf(f.to);
  if (from) q.from = from;
  if (to) q.to = to;
  return q;
}

export function AuditPage({ session, arg }: PageProps) {
  const client = session.client;
  const { form, setForm, set, field } = useForm<Filters>(noFilters);
  const [applied, setApplied] = useState<Filters>(noFilters);

  const first = useAsync(() => client.queryAudit({ ...toQuery(applied), limit: 50 }), [applied]);
  // Where a range without From really starts: the workspace's creation (nothing is older).
  // A key that cannot read the workspace leaves it unknown: then the server's flag is shown.
  const readsWorkspace = can(session, 'policies:read');
  const created = useAsync(
    () => (readsWorkspace ? client.getWorkspace().then((r) => r.data.createdAt) : Promise.resolve(undefined)),
    [],
  );
  /** Whether the range starts before the hot window, so that older decisions are only in the archive. */
  const reachesArchive = (page: { hotWindowStart: number; pastHotWindow: boolean }) => {
    const from = isoOf(applied.from);
    const start = from === undefined ? created.data : Date.parse(from);
    if (start !== undefined) return start < page.hotWindowStart;
    return readsWorkspace ? false : page.pastHotWindow;
  };
  const [more, setMore] = useState<{ events: AuditEvent[]; cursor: string | null }>();
  const loadMore = useAction();
  // A new first page (new filters, refresh) drops the pages loaded after it.
  useEffect(() => setMore(undefined), [first.data]);
  const cursor = more ? more.cursor : (first.data?.nextCursor ?? null);

  // The charts: the filters' range, else the last 24 hours.
  const stats = useAsync(() => {
    const q = toQuery(applied);
    return client
      .auditStats({ from: q.from ?? new Date(Date.now() - 86_400_000).toISOString(), to: q.to })
      .then((r) => r.data);
  }, [applied]);

  // The decision shown in detail: from the row clicked, or loaded for the route's id.
  const [selected, setSelected] = useState<AuditEvent>();
  const detail = useAsync<AuditEvent | null>(async () => {
    if (!arg) return null;
    if (selected?.decisionId === arg) return selected;
    return (await client.getAuditEvent(arg)).data;
  }, [arg]);
  const detailHeading = useRef<HTMLHeadingElement>(null);
  const open = (event: AuditEvent) => {
    setSelected(event);
    navigate('audit', event.decisionId);
  };
  const close = () => {
    setSelected(undefined);
    navigate('audit');
  };
  useEffect(() => {
    if (detail.data) detailHeading.current?.focus();
  }, [detail.data]);

  const exporter = useAction();
  const [exported, setExported] = useState<number>();
  const exportAll = () =>
    exporter.run(async () => {
      setExported(0);
      const lines: string[] = [];
      for await (const event of client.exportAudit(toQuery(applied))) {
        lines.push(JSON.stringify(event));
        if (lines.length % 500 === 0) setExported(lines.length);
      }
      setExported(lines.length);
      download('audit.ndjson', lines.length ? `${lines.join('\n')}\n` : '', 'application/x-ndjson');
    });

  const events = first.data ? [...first.data.data, ...(more?.events ?? [])] : [];

  return (
    <section>
      <PageHeader title="Audit">
        <button
          type="button"
          class="secondary"
          onClick={() => {
            first.reload();
            stats.reload();
          }}
        >
          Refresh
        </button>
        <button type="button" class="secondary" disabled={exporter.busy} onClick={exportAll}>
          {exporter.busy ? 'Exporting…' : 'Export NDJSON'}
        </button>
      </PageHeader>
      <ProblemBox problem={exporter.error} />
      {exported !== undefined && (
        <p class="muted" role="status" aria-live="polite">
          {exporter.busy
            ? `Exporting: ${exported} events so far…`
            : `Exported ${exported} events to audit.ndjson.`}
        </p>
      )}

      <form
        class="panel"
        aria-label="Audit filters"
        onSubmit={(e) => {
          e.preventDefault();
          setApplied({ ...form });
        }}
      >
        <div class="grid">
          <InputField label="Subject" {...field('subject')} />
          <InputField label="Resource" {...field('resource')} />
          <InputField label="Action" {...field('action')} />
          <Field label="Decision">
            {(id) => (
              <select
                id={id}
                value={form.decision}
                onChange={(e) => set({ decision: e.currentTarget.value as Filters['decision'] })}
              >
                <option value="">Any</option>
                <option value="Allow">Allow</option>
                <option value="Deny">Deny</option>
              </select>
            )}
          </Field>
          <InputField label="From" type="datetime-local" {...field('from')} />
          <InputField label="To" type="datetime-local" {...field('to')} />
        </div>
        <div class="row">
          <button type="submit">Apply filters</button>
          <button
            type="button"
            class="secondary"
            onClick={() => {
              setForm(noFilters);
              setApplied(noFilters);
            }}
          >
            Clear filters
          </button>
        </div>
      </form>

      {arg && (
        <section class="panel" aria-labelledby="decision-detail">
          <div class="row spread">
            <h2 id="decision-detail" ref={detailHeading} tabIndex={-1}>
              Decision <code>{arg}</code>
            </h2>
            <button type="button" class="secondary" onClick={close}>
              Close details
            </button>
          </div>
          <Loaded state={detail}>
            {(event) => (event?.decisionId === arg ? <DecisionDetail event={event} /> : <Loading />)}
          </Loaded>
        </section>
      )}

      <section aria-labelledby="audit-activity">
        <h2 id="audit-activity">Activity</h2>
        <Loaded state={stats}>{(s) => <StatsCharts stats={s} />}</Loaded>
      </section>

      <section aria-labelledby="audit-events">
        <h2 id="audit-events">Decisions</h2>
        <Loaded state={first}>
          {(page) => (
            <>
              {reachesArchive(page) && (
                <p class="warning">
                  The range starts before {formatTime(page.hotWindowStart)}: older decisions are only in the
                  archive (use Export NDJSON).
                </p>
              )}
              {events.length === 0 ? (
                <p>No decision matches these filters.</p>
              ) : (
                <EventsTable events={events} selectedId={arg} onOpen={open} />
              )}
              {first.loading && <Loading what="Refreshing" />}
              <ProblemBox problem={loadMore.error} />
              {cursor && (
                <button
                  type="button"
                  class="secondary"
                  disabled={loadMore.busy}
                  onClick={async () => {
                    const next = await loadMore.run(() =>
                      client.queryAudit({ ...toQuery(applied), limit: 50, cursor }),
                    );
                    if (next)
                      setMore((m) => ({
                        events: [...(m?.events ?? []), ...next.data],
                        cursor: next.nextCursor,
                      }));
                  }}
                >
                  {loadMore.busy ? 'Loading…' : 'Load more'}
                </button>
              )}
            </>
          )}
        </Loaded>
      </section>
    </section>
  );
}

function EventsTable({
  events,
  selectedId,
  onOpen,
}: {
  events: AuditEvent[];
  selectedId: string | undefined;
  onOpen: (e: AuditEvent) => void;
}) {
  return (
    <Table
      columns={['Time', 'Subject', 'Resource', 'Action', 'Decision', 'Policy', 'Rule', { hidden: 'Details' }]}
      caption="Audited decisions, newest first"
    >
      {events.map((e) => (
        <tr key={e.decisionId} class={e.decisionId === selectedId ? 'selected' : undefined}>
          <td>{formatTime(e.time)}</td>
          <td>
            <code>{e.subject ?? '—'}</code>
          </td>
          <td>{e.resource}</td>
          <td>{e.action}</td>
          <td>
            <Badge decision={e.decision} />
          </td>
          <td>{e.policy ? `${e.policy}@${e.policyVersion ?? '?'}` : '—'}</td>
          <td>{e.ruleId ? <code>{e.ruleId}</code> : '—'}</td>
          <td>
            <button
              type="button"
              class="secondary"
              aria-label={`Details ${e.decisionId}`}
              aria-pressed={e.decisionId === selectedId}
              onClick={() => onOpen(e)}
            >
              Details
            </button>
          </td>
        </tr>
      ))}
    </Table>
  );
}

function DecisionDetail({ event: e }: { event: AuditEvent }) {
  const bound = e.input.policies ? Object.entries(e.input.policies) : [];
  return (
    <>
      <dl class="facts">
        <dt>Decision</dt>
        <dd>
          <Badge decision={e.decision} />
        </dd>
        <dt>Time</dt>
        <dd>{formatTime(e.time)}</dd>
        <dt>Subject</dt>
        <dd>
          <code>{e.subject ?? '—'}</code>
          {e.provider && <span class="muted"> via {e.provider}</span>}
          {e.input.pep && <span class="muted"> (named by trusted PEP key {e.input.pep.keyId})</span>}
        </dd>
        <dt>Resource / action</dt>
        <dd>
          <code>{e.resource}</code> / <code>{e.action}</code>
        </dd>
        <dt>Policy</dt>
        <dd>{e.policy ? `${e.policy}@${e.policyVersion ?? '?'}` : '—'}</dd>
        <dt>Rule</dt>
        <dd>{e.ruleId ? <code>{e.ruleId}</code> : '—'}</dd>
        {bound.length > 0 && (
          <>
            <dt>Bound policies</dt>
            <dd>{bound.map(([name, v]) => `${name}@${v}`).join(', ')}</dd>
          </>
        )}
        {e.input.timezone && (
          <>
            <dt>Timezone</dt>
            <dd>{e.input.timezone}</dd>
          </>
        )}
        <dt>Latency</dt>
        <dd>{e.latencyMs} ms</dd>
        <dt>Client</dt>
        <dd>
          {e.ip ?? '—'} {e.userAgent && <span class="muted">{e.userAgent}</span>}
        </dd>
      </dl>
      <h3>Reasons</h3>
      <Reasons reasons={e.reasons} />
      {e.shadow && (
        <>
          <h3>Shadow</h3>
          <p>
            The shadow draft of {e.shadow.policies.join(', ')} answered <Badge decision={e.shadow.decision} />{' '}
            ({e.shadow.policy ?? '—'}, rule <code>{e.shadow.ruleId ?? '—'}</code>):{' '}
            <strong>
              {e.shadow.diverged ? 'diverged from the live decision' : 'same as the live decision'}
            </strong>
            .
          </p>
        </>
      )}
      <h3>Attributes</h3>
      <Json value={e.input.attributes} label="Attributes" />
      <h3>Context</h3>
      <Json value={e.input.context} label="Context" />
      {e.input.record && (
        <>
          <h3>Record</h3>
          <Json value={e.input.record} label="Record" />
        </>
      )}
    </>
  );
}

const hourLabel = (iso: string) =>
  new Date(iso).toLocaleString(undefined, { month: 'numeric', day: 'numeric', hour: '2-digit' });

function StatsCharts({ stats }: { stats: AuditStats }) {
  const allowed = stats.hourly.reduce((n, h) => n + h.allow, 0);
  const denied = stats.hourly.reduce((n, h) => n + h.deny, 0);
  const range = `${formatTime(Date.parse(stats.from))} to ${formatTime(Date.parse(stats.to))}`;
  if (allowed + denied === 0) return <p class="muted">No decisions from {range}.</p>;
  const subjects = stats.topDeniedSubjects;
  const resources = stats.topResources;
  const list = (items: string[]) => items.slice(0, 5).join(', ') + (items.length > 5 ? ', …' : '');
  return (
    <>
      <p class="muted">
        {allowed} allowed and {denied} denied from {range}.
      </p>
      <div class="charts">
        <figure class="panel">
          <figcaption>
            <h3>Decisions per hour</h3>
          </figcaption>
          <BarChart
            label={`Decisions per hour: ${allowed} allowed and ${denied} denied over ${stats.hourly.length} hours`}
            labels={stats.hourly.map((h) => hourLabel(h.hour))}
            datasets={[
              { label: 'Allow', data: stats.hourly.map((h) => h.allow), color: COLORS.allow },
              { label: 'Deny', data: stats.hourly.map((h) => h.deny), color: COLORS.deny },
            ]}
            stacked
          />
        </figure>
        <figure class="panel">
          <figcaption>
            <h3>Top denied subjects</h3>
          </figcaption>
          {subjects.length === 0 ? (
            <p class="muted">No denials.</p>
          ) : (
            <BarChart
              label={`Top denied subjects: ${list(subjects.map((s) => `${s.subject} ${s.denials}`))}`}
              labels={subjects.map((s) => s.subject)}
              datasets={[{ label: 'Denials', data: subjects.map((s) => s.denials), color: COLORS.deny }]}
              horizontal
            />
          )}
        </figure>
        <figure class="panel">
          <figcaption>
            <h3>Top resources</h3>
          </figcaption>
          <BarChart
            label={`Top resources: ${list(resources.map((r) => `${r.resource} ${r.action} ${r.allow} allowed ${r.deny} denied`))}`}
            labels={resources.map((r) => `${r.resource}:${r.action}`)}
            datasets={[
              { label: 'Allow', data: resources.map((r) => r.allow), color: COLORS.allow },
              { label: 'Deny', data: resources.map((r) => r.deny), color: COLORS.deny },
            ]}
            stacked
            horizontal
          />
        </figure>
      </div>
    </>
  );
}
