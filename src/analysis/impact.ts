/**
 * Replaying stored decisions against draft policies (impact analysis). Pure: the
 * caller pages events out of the audit trail and hands them here chunk by chunk; the
 * tally is plain JSON, so a background job can store it between chunks and the
 * answer is the same however the events were chunked.
 *
 * For each stored decision (refusals excluded: they have no attributes):
 * - **before** is the stored answer when the policies bound to its resource/action are
 *   still at the versions it records (exact, even where the audit redacted a value);
 *   otherwise the live policies decide it again (and a different answer from the
 *   stored one is counted as `drift`: a change already live, not the draft's);
 * - **after** is the draft set (live policies with the drafts substituted) deciding it
 *   again, at the time it was made, in the timezone it was made in;
 * - a replay that read a value the audit redacted or cut is `indeterminate`: counted,
 *   never guessed.
 */

import type { AuditEvent } from '../audit/event';
import type { Effect, ImpactCounts, ImpactResult } from '../contract';
import type { RequestInput } from '../policy/attributes';
import type { Engine, EngineDecision } from '../policy/evaluate';
import { redactReasons } from '../policy/redaction';

type Counts = ImpactCounts;
type Outcome = ImpactResult['samples'][number]['before'];

export type ImpactTally = Counts & {
  excluded: number;
  ruleChanged: number;
  drift: number;
  byResourceAction: Record<string, Counts>;
  bySubject: Record<string, Counts>;
  subjectsLeftOut: number;
  /** `${policy}\u0000${rule}` → hits before, after. */
  rules: Record<string, [number, number]>;
  samples: ImpactResult['samples'];
};

/** Subjects tracked by name; changes of subjects past this many are counted in subjectsLeftOut. */
const MAX_TRACKED_SUBJECTS = 10_000;

const zero = (): Counts => ({
  considered: 0,
  unchanged: 0,
  allowToDeny: 0,
  denyToAllow: 0,
  indeterminate: 0,
});

export function newTally(): ImpactTally {
  return {
    ...zero(),
    excluded: 0,
    ruleChanged: 0,
    drift: 0,
    byResourceAction: {},
    bySubject: {},
    subjectsLeftOut: 0,
    rules: {},
    samples: [],
  };
}

type Kind = 'unchanged' | 'allowToDeny' | 'denyToAllow' | 'indeterminate';

/** The input a stored event's decision was made on (attributes, context, record, ip, time, timezone). */
export function storedInput(e: AuditEvent, fallbackTimezone: string): RequestInput {
  return {
    attributes: e.input.attributes ?? {},
    resource: e.resource,
    action: e.action,
    context: e.input.context ?? {},
    ...(e.input.record ? { record: e.input.record } : {}),
    ...(e.ip ? { ip: e.ip } : {}),
    now: e.time,
    timezone: e.input.timezone ?? fallbackTimezone,
  };
}

/** Whether the event records exactly the versions `engine` binds to its resource/action. */
function sameVersions(e: AuditEvent, engine: Engine): boolean {
  const recorded = e.input.policies;
  if (!recorded) return false;
  const live = engine.policiesFor(e.resource, e.action);
  const names = Object.keys(recorded);
  return names.length === live.length && live.every((p) => recorded[p.name] === p.version);
}

const outcome = (d: EngineDecision): Outcome => ({
  decision: d.effect,
  policy: d.policy,
  ruleId: d.ruleId,
  reasons: d.reasons.slice(0, 5),
});

function bump(c: Counts, kind: Kind): void {
  c.considered++;
  c[kind]++;
}

function hit(t: ImpactTally, policy: string | null, rule: string | null, side: 0 | 1): void {
  if (policy === null || rule === null) return;
  const key = `${policy}\u0000${rule}`;
  const row = t.rules[key] ?? [0, 0];
  row[side]++;
  t.rules[key] = row;
}

/**
 * Replays `events` into `tally`. `live` is the workspace's policies as they are, `draft`
 * the same with the drafts substituted (both built with buildEngine).
 */
export function replayInto(
  tally: ImpactTally,
  events: readonly AuditEvent[],
  live: Engine,
  draft: Engine,
  options: { samples: number },
): void {
  // Subjects tracked so far (counted once per call, not stored: the tally's keys say it).
  let subjects = Object.keys(tally.bySubject).length;
  for (const e of events) {
    // A refusal (bad token, unrouted gateway request) was decided before any policy and
    // has no subject or attributes: nothing to replay.
    if (e.subject === null) {
      tally.excluded++;
      continue;
    }
    const input = storedInput(e, live.timezone);
    let before: Outcome;
    let unsure = false;
    if (sameVersions(e, live)) {
      before = { decision: e.decision, policy: e.policy, ruleId: e.ruleId, reasons: e.reasons.slice(0, 5) };
    } else {
      const replayed = live.replay(input);
      before = outcome(replayed.decision);
      unsure = replayed.touchedMarker;
      if (!unsure && before.decision !== e.decision) tally.drift++;
    }
    const after = draft.replay(input);
    unsure ||= after.touchedMarker;
    const kind: Kind = unsure
      ? 'indeterminate'
      : before.decision === after.decision.effect
        ? 'unchanged'
        : flip(before.decision, after.decision.effect);
    bump(tally, kind);
    const ra = `${e.resource}\u0000${e.action}`;
    const byRa = tally.byResourceAction[ra] ?? zero();
    bump(byRa, kind);
    tally.byResourceAction[ra] = byRa;
    const subject = tally.bySubject[e.subject];
    if (subject) bump(subject, kind);
    else if (subjects < MAX_TRACKED_SUBJECTS) {
      subjects++;
      const fresh = zero();
      bump(fresh, kind);
      tally.bySubject[e.subject] = fresh;
    } else if (kind !== 'unchanged') tally.subjectsLeftOut++;
    if (
      kind === 'unchanged' &&
      (before.policy !== after.decision.policy || before.ruleId !== after.decision.ruleId)
    )
      tally.ruleChanged++;
    hit(tally, before.policy, before.ruleId, 0);
    hit(tally, after.decision.policy, after.decision.ruleId, 1);
    if ((kind === 'allowToDeny' || kind === 'denyToAllow') && tally.samples.length < options.samples) {
      tally.samples.push({
        decisionId: e.decisionId,
        time: e.time,
        subject: e.subject,
        resource: e.resource,
        action: e.action,
        before,
        after: outcome(after.decision),
      });
    }
  }
}

/**
 * A result as it is answered: its samples' reasons through the one redaction of
 * explanations (policy/redaction.ts), with the workspace's keys as they are now, so a
 * sample neither shows a value the keys name nor a message built from one (events stored
 * before a key was added included).
 */
export function redactImpact(result: ImpactResult, keys: ReadonlySet<string>): ImpactResult {
  if (keys.size === 0) return result;
  return {
    ...result,
    samples: result.samples.map((s) => ({
      ...s,
      before: { ...s.before, reasons: redactReasons(s.before.reasons, keys) },
      after: { ...s.after, reasons: redactReasons(s.after.reasons, keys) },
    })),
  };
}

const flip = (before: Effect, after: Effect): Kind =>
  before === 'Allow' && after === 'Deny' ? 'allowToDeny' : 'denyToAllow';

/** The answer: counts, the top rows by changes, per-rule hits and the samples. */
export function finishTally(
  t: ImpactTally,
  window: { since: number; until: number },
  top: number,
): ImpactResult {
  const changes = (c: Counts) => c.allowToDeny + c.denyToAllow + c.indeterminate;
  const byChanges = <T extends Counts>(a: T, b: T) => changes(b) - changes(a) || b.considered - a.considered;
  return {
    exhaustive: true,
    window,
    considered: t.considered,
    unchanged: t.unchanged,
    allowToDeny: t.allowToDeny,
    denyToAllow: t.denyToAllow,
    indeterminate: t.indeterminate,
    excluded: t.excluded,
    ruleChanged: t.ruleChanged,
    drift: t.drift,
    byResourceAction: Object.entries(t.byResourceAction)
      .map(([k, c]) => {
        const [resource = '', action = ''] = k.split('\u0000');
        return { resource, action, ...c };
      })
      .sort(byChanges)
      .slice(0, top),
    bySubject: Object.entries(t.bySubject)
      .map(([subject, c]) => ({ subject, ...c }))
      .sort(byChanges)
      .slice(0, top),
    subjectsLeftOut: t.subjectsLeftOut,
    rules: Object.entries(t.rules)
      .map(([k, [before, after]]) => {
        const [policy = '', rule = ''] = k.split('\u0000');
        return { policy, rule, before, after };
      })
      .sort(
        (a, b) =>
          Math.abs(b.after - b.before) - Math.abs(a.after - a.before) || a.policy.localeCompare(b.policy),
      ),
    samples: t.samples,
  };
}
