/**
 * The playground: a principal (claims mapped through a provider, a token verified by it,
 * or ext_* attributes as they are), a resource, action, context, record, IP and instant
 * give the decision with its full trace (POST /simulate), optionally against a draft
 * policy beside the live answer. Claims and attributes are simulated: nothing is written.
 * A token is a real end user's: it is decided for real through /authorize (audited, with
 * a decision id), and the trace comes from the simulator with the token's verified
 * attributes. The token stays in its field (this page's memory only, never stored or put in
 * the page's markup) so the next Decide reuses it; an empty one is explained, not sent.
 */
import type { Decision, PolicyDocument } from '@verdict-authz/sdk';
import { useEffect, useState } from 'preact/hooks';
import { JsonEditor } from '../editor';
import type { PageProps } from '../page';
import { policyIssues } from '../policy-issues';
import { type ShownProblem, toProblem } from '../problem';
import { href } from '../router';
import { contractSchema } from '../schemas';
import { can } from '../session';
import { DecisionView, type Simulation } from '../trace-view';
import {
  Field,
  InputField,
  isoOf,
  Json,
  PageHeader,
  ProblemBox,
  parseJson,
  TextField,
  useAction,
  useAsync,
} from '../ui';

type Mode = 'claims' | 'token' | 'attributes';

const asObject = (v: unknown, what: string): Record<string, unknown> => {
  if (v === undefined) return {};
  if (v === null || typeof v !== 'object' || Array.isArray(v))
    throw new Error(`${what} must be a JSON object`);
  return v as Record<string, unknown>;
};

export function PlaygroundPage({ session, arg }: PageProps) {
  const canProviders = can(session, 'providers:read');
  const providers = useAsync(
    () => (canProviders ? session.client.listAuthProviders().then((r) => r.data) : Promise.resolve([])),
    [],
  );
  const policies = useAsync(() => session.client.listPolicies().then((r) => r.data.map((p) => p.name)), []);
  const schema = useAsync(() => contractSchema('policy'), []);
  const [mode, setMode] = useState<Mode>(canProviders ? 'claims' : 'attributes');
  const [providerId, setProviderId] = useState('');
  const [claims, setClaims] = useState(
    '{\n  "sub": "user_1",\n  "role": "employee",\n  "approval_limit": 1000\n}',
  );
  const [token, setToken] = useState('');
  const [attributes, setAttributes] = useState('{\n  "sub": "user_1",\n  "ext_role": "employee"\n}');
  const [resource, setResource] = useState('orders');
  const [action, setAction] = useState('approve');
  const [context, setContext] = useState('{\n  "amount": 500\n}');
  const [record, setRecord] = useState('');
  const [ip, setIp] = useState('');
  const [at, setAt] = useState('');
  const [useDraft, setUseDraft] = useState(Boolean(arg));
  const [draftName, setDraftName] = useState(arg ?? '');
  const [draft, setDraft] = useState('');
  const [draftRev, setDraftRev] = useState(0);
  const [result, setResult] = useState<{
    principal: Record<string, unknown>;
    live: Simulation;
    draft?: Simulation;
    recorded?: Decision;
  }>();
  const run = useAction();

  const chosenProvider = providerId || providers.data?.[0]?.id || '';
  useEffect(() => {
    if (!draftName && policies.data?.[0]) setDraftName(policies.data[0]);
  }, [policies.data]);
  const [draftError, setDraftError] = useState<ShownProblem>();
  useEffect(() => {
    if (!useDraft || !draftName) return;
    let current = true; // a later choice wins over a slower earlier load
    const loaded = (text: string) => {
      setDraft(text);
      setDraftRev((r) => r + 1);
    };
    setDraftError(undefined);
    session.client.getPolicy(draftName).then(
      (r) => current && loaded(`${JSON.stringify(r.data.source, null, 2)}\n`),
      (err) => {
        if (!current) return;
        setDraftError(toProblem(err));
        loaded('');
      },
    );
    return () => {
      current = false;
    };
  }, [useDraft, draftName]);

  const principal = async (pasted: string): Promise<Record<string, unknown>> => {
    if (mode === 'attributes') return asObject(parseJson(attributes, 'Attributes'), 'Attributes');
    if (!chosenProvider) throw new Error('Choose a provider to map the claims or verify the token');
    if (mode === 'token' && pasted === '')
      throw new Error(
        'Paste a token first: an end user’s JWT from your IdP (it is verified by the provider and decided for real). To try claims without a token, choose “JWT claims”.',
      );
    const body =
      mode === 'claims' ? { claims: asObject(parseJson(claims, 'Claims'), 'Claims') } : { token: pasted };
    const { data } = await session.client.checkPrincipal(chosenProvider, body);
    if (!data.ok)
      throw new Error(
        `${mode === 'token' ? 'The token was' : 'The claims were'} refused: ${data.reason} — ${data.detail}`,
      );
    return data.attributes;
  };

  const onRun = async (e: Event) => {
    e.preventDefault();
    setResult(undefined);
    const pasted = token.trim();
    const outcome = await run.run(async () => {
      const attrs = await principal(pasted);
      const check = {
        resource: resource.trim(),
        action: action.trim(),
        context: asObject(parseJson(context, 'Context'), 'Context'),
      };
      const recorded =
        mode === 'token'
          ? (await session.client.checkAuthorization({ ...check, token: pasted })).data
          : undefined;
      const instant = isoOf(at);
      const input = {
        attributes: attrs,
        ...check,
        ...(record.trim() ? { record: asObject(parseJson(record, 'Record'), 'Record') } : {}),
        ...(ip.trim() ? { ip: ip.trim() } : {}),
        ...(instant ? { at: instant } : {}),
      };
      const live = (await session.client.simulate(input)).data;
      const base = { principal: attrs, live, ...(recorded ? { recorded } : {}) };
      if (!useDraft) return base;
      const policy = parseJson(draft, 'The draft policy') as PolicyDocument | undefined;
      if (!policy) throw new Error('The draft policy is empty: write one, or untick the draft');
      return { ...base, draft: (await session.client.simulate({ ...input, policy })).data };
    });
    if (outcome) setResult(outcome);
  };

  return (
    <section>
      <PageHeader title="Playground" />
      <p class="muted">
        Decides against the live policies (and a draft, if you add one). Claims and attributes are simulated
        and not audited; a token is decided for real and audited.
      </p>
      <div class="split">
        <form class="panel" aria-label="Request" onSubmit={onRun}>
          <fieldset>
            <legend>Principal</legend>
            <div class="row" role="radiogroup" aria-label="Principal from">
              {(['claims', 'token', 'attributes'] as const)
                .filter((m) => canProviders || m === 'attributes')
                .map((m) => (
                  <label class="check" key={m}>
                    <input type="radio" name="mode" checked={mode === m} onChange={() => setMode(m)} />
                    {m === 'claims' ? 'JWT claims' : m === 'token' ? 'A token' : 'Attributes'}
                  </label>
                ))}
            </div>
            {mode !== 'attributes' && (
              <Field label="Provider">
                {(id) => (
                  <select
                    id={id}
                    value={chosenProvider}
                    onChange={(e) => setProviderId(e.currentTarget.value)}
                  >
                    {(providers.data ?? []).map((p) => (
                      <option key={p.id} value={p.id}>
                        {p.name}
                      </option>
                    ))}
                  </select>
                )}
              </Field>
            )}
            {mode === 'claims' && (
              <TextField
                label="Claims (JSON)"
                hint="Mapped through the provider’s claim mappings, as a token’s would be"
                rows={6}
                value={claims}
                onValue={setClaims}
              />
            )}
            {mode === 'token' && (
              <TextField
                label="Token"
                hint="Verified by the provider and decided for real (audited); kept here for the next Decide, never stored"
                rows={3}
                value={token}
                onValue={setToken}
              />
            )}
            {mode === 'attributes' && (
              <TextField
                label="Attributes (JSON)"
                hint="ext_* plus sub, issuer, provider, as policies see them"
                rows={6}
                value={attributes}
                onValue={setAttributes}
              />
            )}
          </fieldset>
          <div class="grid">
            <InputField label="Resource" required value={resource} onValue={setResource} />
            <InputField label="Action" required value={action} onValue={setAction} />
          </div>
          <TextField
            label="Context (JSON)"
            hint="request_metadata: e.g. the amount"
            rows={4}
            value={context}
            onValue={setContext}
          />
          <details>
            <summary>Record, IP and time</summary>
            <TextField label="Record (JSON, optional)" rows={3} value={record} onValue={setRecord} />
            <div class="grid">
              <InputField label="Client IP (optional)" value={ip} onValue={setIp} />
              <InputField
                label="At (optional)"
                hint="Your local time; default now"
                type="datetime-local"
                step={1}
                value={at}
                onValue={setAt}
              />
            </div>
          </details>
          <fieldset>
            <legend>Draft</legend>
            <label class="check">
              <input
                type="checkbox"
                checked={useDraft}
                onChange={(e) => setUseDraft(e.currentTarget.checked)}
              />{' '}
              Also decide against a draft policy
            </label>
            {useDraft && (
              <>
                <Field label="Draft of policy">
                  {(id) => (
                    <select id={id} value={draftName} onChange={(e) => setDraftName(e.currentTarget.value)}>
                      {(policies.data ?? []).map((p) => (
                        <option key={p} value={p}>
                          {p}
                        </option>
                      ))}
                    </select>
                  )}
                </Field>
                <ProblemBox problem={draftError} />
                {schema.data && (
                  <JsonEditor
                    key={draftRev}
                    label="Draft policy"
                    value={draft}
                    onChange={setDraft}
                    check={policyIssues(session.client)}
                    schema={schema.data}
                    minLines={10}
                  />
                )}
              </>
            )}
          </fieldset>
          <ProblemBox problem={run.error} />
          <button type="submit" disabled={run.busy}>
            {run.busy ? 'Deciding…' : 'Decide'}
          </button>
        </form>
        <div aria-live="polite">
          {result && (
            <>
              {result.recorded && (
                <p class="ok" role="status">
                  Recorded as decision{' '}
                  <a href={href('audit', result.recorded.decisionId)}>
                    <code>{result.recorded.decisionId}</code>
                  </a>{' '}
                  for <code>{result.recorded.subject}</code>: <strong>{result.recorded.decision}</strong>
                </p>
              )}
              <DecisionView result={result.live} label="Live decision" />
              {result.draft && <DecisionView result={result.draft} label="Draft decision" />}
              <section class="panel" aria-label="Principal attributes">
                <h2>Attributes used</h2>
                <Json value={result.principal} />
              </section>
            </>
          )}
        </div>
      </div>
    </section>
  );
}
