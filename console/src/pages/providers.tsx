/**
 * Providers: the seed's "Settings → Auth Providers → New Provider" as a form per type
 * with the claim-mappings editor in the seed's format, the registration-time discovery
 * result (or its error), and "paste a token": the token is verified against the provider
 * and the mapped ext_* attributes, or the precise refusal, are shown. The token field is
 * cleared as soon as it is checked.
 */
import type { Provider, ProviderInput } from '@verdict-authz/sdk';
import { useState } from 'preact/hooks';
import type { PageProps } from '../page';
import { can } from '../session';
import {
  Field,
  formatTime,
  InputField,
  Json,
  Loaded,
  PageHeader,
  ProblemBox,
  Table,
  TextField,
  useAction,
  useAsync,
  useForm,
} from '../ui';

type Mapping = { jwtPath: string; attribute: string; required: boolean; defaultValue: string };
type Form = {
  id?: string;
  name: string;
  type: ProviderInput['type'];
  issuer: string;
  audiences: string;
  jwksUri: string;
  authorizedParties: string;
  azpRequired: boolean;
  tokenUse: '' | 'id' | 'access';
  hsSecret: string;
  clockToleranceSec: string;
  maxTokenAgeSec: string;
  mappings: Mapping[];
  /** Fields the form does not edit, carried through a replace unchanged (PUT replaces the whole provider). */
  kept: Pick<ProviderInput, 'algorithms'>;
};

/** Each type's issuer shape, as its IdP documents it. */
const TYPES: Record<ProviderInput['type'], { label: string; issuer: string }> = {
  clerk: { label: 'Clerk', issuer: 'https://<your-app>.clerk.accounts.dev' },
  auth0: { label: 'Auth0', issuer: 'https://<tenant>.auth0.com/' },
  okta: { label: 'Okta', issuer: 'https://<org>.okta.com/oauth2/default' },
  keycloak: { label: 'Keycloak', issuer: 'https://<host>/realms/<realm>' },
  cognito: { label: 'Amazon Cognito', issuer: 'https://cognito-idp.<region>.amazonaws.com/<pool-id>' },
  firebase: { label: 'Firebase', issuer: 'https://securetoken.google.com/<project-id>' },
  supabase: { label: 'Supabase', issuer: 'https://<project-ref>.supabase.co/auth/v1' },
  oidc: { label: 'Any OIDC provider', issuer: 'https://issuer.example.com' },
};

const empty = (): Form => ({
  name: '',
  type: 'clerk',
  issuer: '',
  audiences: '',
  jwksUri: '',
  authorizedParties: '',
  azpRequired: false,
  tokenUse: '',
  hsSecret: '',
  clockToleranceSec: '60',
  maxTokenAgeSec: '',
  mappings: [],
  kept: {},
});

const list = (text: string) =>
  text
    .split(/[\n,]/)
    .map((s) => s.trim())
    .filter(Boolean);

function fromProvider(p: Provider): Form {
  return {
    id: p.id,
    name: p.name,
    type: p.type,
    issuer: p.issuer,
    audiences: p.audiences.join(', '),
    jwksUri: p.jwksUri ?? '',
    authorizedParties: (p.authorizedParties ?? []).join(', '),
    azpRequired: p.azpRequired ?? false,
    tokenUse: p.tokenUse ?? '',
    hsSecret: '',
    clockToleranceSec: String(p.clockToleranceSec),
    maxTokenAgeSec: p.maxTokenAgeSec === undefined ? '' : String(p.maxTokenAgeSec),
    kept: p.algorithms ? { algorithms: p.algorithms } : {},
    mappings: p.claimMappings.map((m) => ({
      jwtPath: m.jwtPath,
      attribute: m.attribute,
      required: m.required,
      defaultValue: m.defaultValue === undefined ? '' : showDefault(m.defaultValue),
    })),
  };
}

/** Text that is meant as JSON (an object, an array, a quoted string) rather than a plain word. */
const looksLikeJson = (text: string) => /^[[{"]/.test(text);

/**
 * A default as typed: JSON when it parses (`0`, `true`, `null`, `{"a": 1}`, `"0"`), else the
 * text itself as a string (`employee` is "employee"). Text that opens like JSON (`{`, `[`, `"`)
 * must parse: a broken object is an error, not a string.
 */
function parseDefault(text: string, what: string): unknown {
  const typed = text.trim();
  try {
    return JSON.parse(typed);
  } catch (err) {
    if (looksLikeJson(typed)) throw new Error(`${what} is not valid JSON: ${(err as Error).message}`);
    return typed;
  }
}

/** A default shown as it would be typed: a plain string bare, anything else (or a string that would read back as something else) as JSON. */
function showDefault(value: unknown): string {
  if (typeof value === 'string' && value.trim() === value && value !== '' && !looksLikeJson(value)) {
    try {
      JSON.parse(value);
    } catch {
      return value;
    }
  }
  return JSON.stringify(value);
}

/** The claim mappings in the seed's format: { jwtPath, attribute, required, defaultValue? }. */
function mappingsOf(form: Form): NonNullable<ProviderInput['claimMappings']> {
  return form.mappings.map((m, i) => ({
    jwtPath: m.jwtPath.trim(),
    attribute: m.attribute.trim(),
    required: m.required,
    ...(m.defaultValue.trim() === ''
      ? {}
      : { defaultValue: parseDefault(m.defaultValue, `The default value of mapping ${i + 1}`) }),
  }));
}

function toInput(form: Form): ProviderInput {
  return {
    name: form.name.trim(),
    type: form.type,
    issuer: form.issuer.trim(),
    audiences: list(form.audiences),
    claimMappings: mappingsOf(form),
    clockToleranceSec: Number(form.clockToleranceSec || 60),
    ...form.kept,
    ...(form.maxTokenAgeSec.trim() ? { maxTokenAgeSec: Number(form.maxTokenAgeSec) } : {}),
    ...(form.jwksUri.trim() ? { jwksUri: form.jwksUri.trim() } : {}),
    ...(list(form.authorizedParties).length ? { authorizedParties: list(form.authorizedParties) } : {}),
    ...(form.type === 'clerk' && form.azpRequired ? { azpRequired: true } : {}),
    ...(form.type === 'cognito' && form.tokenUse ? { tokenUse: form.tokenUse } : {}),
    ...(form.type === 'supabase' && form.hsSecret ? { hsSecret: form.hsSecret } : {}),
  };
}

export function ProvidersPage({ session }: PageProps) {
  const providers = useAsync(() => session.client.listAuthProviders().then((r) => r.data), []);
  const [form, setForm] = useState<Form | null>(null);
  // Each opening of the form (New, or Edit of a provider) is a fresh form: remounted by key.
  const [opened, setOpened] = useState(0);
  const open = (f: Form) => {
    setForm(f);
    setOpened((n) => n + 1);
  };
  const writable = can(session, 'providers:write');
  return (
    <section>
      <PageHeader title="Auth providers">
        {writable && !form && (
          <button type="button" onClick={() => open(empty())}>
            New provider
          </button>
        )}
      </PageHeader>
      <p class="muted">
        Verdict verifies your IdP’s JWTs against the issuer’s published keys and maps claims to the
        <code> ext_*</code> attributes policies read.
      </p>
      {form && (
        <ProviderForm
          key={opened}
          session={session}
          initial={form}
          onSaved={providers.reload}
          onDone={() => {
            setForm(null);
            providers.reload();
          }}
        />
      )}
      <Loaded state={providers}>
        {(items) =>
          items.length === 0 ? (
            <p>No provider yet.</p>
          ) : (
            <div class="cards">
              {items.map((p) => (
                <ProviderCard
                  key={p.id}
                  session={session}
                  provider={p}
                  onEdit={writable ? () => open(fromProvider(p)) : undefined}
                  onDeleted={providers.reload}
                />
              ))}
            </div>
          )
        }
      </Loaded>
    </section>
  );
}

function ProviderForm({
  session,
  initial,
  onSaved,
  onDone,
}: {
  session: PageProps['session'];
  initial: Form;
  /** After a successful write: the list below shows it at once, while the result stays open. */
  onSaved: () => void;
  onDone: () => void;
}) {
  const { form, set, field } = useForm(initial);
  const [saved, setSaved] = useState<Provider>();
  const action = useAction();
  const setMapping = (i: number, patch: Partial<Mapping>) =>
    set({ mappings: form.mappings.map((m, j) => (j === i ? { ...m, ...patch } : m)) });
  const preview = (() => {
    try {
      return mappingsOf(form);
    } catch (err) {
      return (err as Error).message;
    }
  })();

  return (
    <form
      class="panel"
      aria-label={form.id ? `Edit provider ${initial.name}` : 'New provider'}
      onSubmit={async (e) => {
        e.preventDefault();
        const result = await action.run(async () => {
          const input = toInput(form);
          return form.id
            ? session.client.replaceAuthProvider(form.id, input)
            : session.client.createAuthProvider(input);
        });
        if (result) {
          setSaved(result.data);
          onSaved();
        }
      }}
    >
      <h2>{form.id ? `Edit ${initial.name}` : 'New provider'}</h2>
      <div class="grid">
        <Field label="Type">
          {(id) => (
            <select
              id={id}
              value={form.type}
              disabled={Boolean(form.id)}
              onChange={(e) => set({ type: e.currentTarget.value as Form['type'] })}
            >
              {Object.entries(TYPES).map(([value, t]) => (
                <option key={value} value={value}>
                  {t.label}
                </option>
              ))}
            </select>
          )}
        </Field>
        <InputField label="Name" required {...field('name')} />
        <InputField
          label="Issuer URL"
          hint={`Exactly the tokens' iss, e.g. ${TYPES[form.type].issuer}`}
          required
          type="url"
          placeholder={TYPES[form.type].issuer}
          {...field('issuer')}
        />
        <InputField
          label="Audiences"
          hint="Comma-separated; a token must name one of them in aud"
          {...field('audiences')}
        />
        <InputField
          label="JWKS URL (optional)"
          hint="Default: from the issuer's discovery document"
          type="url"
          {...field('jwksUri')}
        />
        <InputField
          label="Authorized parties (azp)"
          hint="Comma-separated origins; empty accepts any"
          {...field('authorizedParties')}
        />
        <InputField
          label="Clock tolerance (s)"
          type="number"
          min={0}
          max={300}
          {...field('clockToleranceSec')}
        />
        <InputField
          label="Max token age (s, optional)"
          hint="Refuse tokens issued longer ago than this"
          type="number"
          min={1}
          {...field('maxTokenAgeSec')}
        />
        {form.type === 'clerk' && (
          <label class="check">
            <input
              type="checkbox"
              checked={form.azpRequired}
              onChange={(e) => set({ azpRequired: e.currentTarget.checked })}
            />{' '}
            Require azp
          </label>
        )}
        {form.type === 'cognito' && (
          <Field label="Token use">
            {(id) => (
              <select
                id={id}
                value={form.tokenUse}
                onChange={(e) => set({ tokenUse: e.currentTarget.value as Form['tokenUse'] })}
              >
                <option value="">Any</option>
                <option value="id">ID tokens</option>
                <option value="access">Access tokens</option>
              </select>
            )}
          </Field>
        )}
        {form.type === 'supabase' && (
          <InputField
            label="HS256 JWT secret (legacy projects)"
            hint="Write-only: never shown again"
            type="password"
            autoComplete="off"
            {...field('hsSecret')}
          />
        )}
      </div>

      <fieldset>
        <legend>Claim mappings</legend>
        <p class="muted">
          Each claim (a dotted path into the JWT) becomes ext_&lt;attribute&gt; for policies. A default is
          used when the claim is missing: <code>employee</code> is the text “employee”; <code>0</code>,{' '}
          <code>true</code>, <code>null</code>, <code>"0"</code> and JSON objects or lists are read as JSON.
        </p>
        <Table
          columns={['JWT path', 'Attribute', 'Required', 'Default', { hidden: 'Remove' }]}
          class="mappings"
        >
          {form.mappings.map((m, i) => (
            <tr key={i}>
              <td>
                <input
                  aria-label={`JWT path ${i + 1}`}
                  value={m.jwtPath}
                  onInput={(e) => setMapping(i, { jwtPath: e.currentTarget.value })}
                />
              </td>
              <td>
                <input
                  aria-label={`Attribute ${i + 1}`}
                  value={m.attribute}
                  onInput={(e) => setMapping(i, { attribute: e.currentTarget.value })}
                />
              </td>
              <td>
                <input
                  type="checkbox"
                  aria-label={`Required ${i + 1}`}
                  checked={m.required}
                  onChange={(e) => setMapping(i, { required: e.currentTarget.checked })}
                />
              </td>
              <td>
                <input
                  aria-label={`Default ${i + 1}`}
                  value={m.defaultValue}
                  placeholder="none"
                  onInput={(e) => setMapping(i, { defaultValue: e.currentTarget.value })}
                />
              </td>
              <td>
                <button
                  type="button"
                  class="secondary"
                  aria-label={`Remove mapping ${i + 1}`}
                  onClick={() => set({ mappings: form.mappings.filter((_, j) => j !== i) })}
                >
                  ✕
                </button>
              </td>
            </tr>
          ))}
        </Table>
        <button
          type="button"
          class="secondary"
          onClick={() =>
            set({
              mappings: [...form.mappings, { jwtPath: '', attribute: '', required: false, defaultValue: '' }],
            })
          }
        >
          Add mapping
        </button>
        <details>
          <summary>As JSON (the seed’s format)</summary>
          {typeof preview === 'string' ? <p class="error">{preview}</p> : <Json value={preview} />}
        </details>
      </fieldset>

      <ProblemBox problem={action.error} />
      {saved ? (
        <div class="ok" role="status">
          <strong>Registered {saved.name}.</strong> Discovery: keys at{' '}
          <code>{saved.resolvedJwksUri ?? '—'}</code> ({saved.keyFormat}).{' '}
          <button type="button" onClick={onDone}>
            Done
          </button>
        </div>
      ) : (
        <div class="row">
          <button type="submit" disabled={action.busy}>
            {action.busy ? 'Checking the issuer…' : form.id ? 'Save provider' : 'Register provider'}
          </button>
          <button type="button" class="secondary" onClick={onDone}>
            Cancel
          </button>
        </div>
      )}
    </form>
  );
}

function ProviderCard({
  session,
  provider: p,
  onEdit,
  onDeleted,
}: {
  session: PageProps['session'];
  provider: Provider;
  onEdit: (() => void) | undefined;
  onDeleted: () => void;
}) {
  const remove = useAction();
  return (
    <article class="card" aria-label={`Provider ${p.name}`}>
      <header class="row spread">
        <h2>{p.name}</h2>
        <span class="muted">{TYPES[p.type].label}</span>
      </header>
      <dl class="facts">
        <dt>Issuer</dt>
        <dd>
          <code>{p.issuer}</code>
        </dd>
        <dt>Audiences</dt>
        <dd>{p.audiences.join(', ') || 'any'}</dd>
        <dt>Keys</dt>
        <dd>
          <code>{p.resolvedJwksUri ?? '—'}</code> ({p.keyFormat})
        </dd>
      </dl>
      <Table
        columns={['JWT path', 'Attribute', 'Required', 'Default']}
        caption={`Claim mappings of ${p.name}`}
      >
        {p.claimMappings.map((m) => (
          <tr key={m.attribute}>
            <td>
              <code>{m.jwtPath}</code>
            </td>
            <td>
              <code>ext_{m.attribute}</code>
            </td>
            <td>{m.required ? 'yes' : 'no'}</td>
            <td>{m.defaultValue === undefined ? '—' : JSON.stringify(m.defaultValue)}</td>
          </tr>
        ))}
      </Table>
      <TokenCheck session={session} provider={p} />
      {onEdit && (
        <div class="row">
          <button type="button" class="secondary" onClick={onEdit}>
            Edit
          </button>
          <button
            type="button"
            class="danger"
            disabled={remove.busy}
            onClick={async () => {
              if (!window.confirm(`Remove ${p.name}? Its tokens are refused from the next decision on.`))
                return;
              if (await remove.run(() => session.client.deleteAuthProvider(p.id).then(() => true)))
                onDeleted();
            }}
          >
            Remove
          </button>
        </div>
      )}
      <ProblemBox problem={remove.error} />
    </article>
  );
}

type CheckResult = Awaited<ReturnType<PageProps['session']['client']['checkPrincipal']>>['data'];

/** Paste a token: verified as a decision would verify it; the field is emptied once checked. */
function TokenCheck({ session, provider }: { session: PageProps['session']; provider: Provider }) {
  const [token, setToken] = useState('');
  const [result, setResult] = useState<{ at: number; check: CheckResult }>();
  const action = useAction();
  return (
    <form
      class="token-check"
      aria-label={`Check a token against ${provider.name}`}
      onSubmit={async (e) => {
        e.preventDefault();
        const pasted = token.trim();
        setToken('');
        setResult(undefined);
        const r = await action.run(() => session.client.checkPrincipal(provider.id, { token: pasted }));
        if (r) setResult({ at: Date.now(), check: r.data });
      }}
    >
      <TextField
        label="Paste a token"
        hint="Verified against this provider; it is not stored or shown again"
        rows={2}
        value={token}
        onValue={setToken}
      />
      <button type="submit" disabled={action.busy || token.trim() === ''}>
        Check token
      </button>
      <ProblemBox problem={action.error} />
      {result &&
        (result.check.ok ? (
          <div class="ok" role="status" aria-label="Token accepted">
            <p>
              <strong>Accepted</strong> for <code>{result.check.subject}</code> at {formatTime(result.at)}.
              Policies see:
            </p>
            <table class="attributes">
              <tbody>
                {Object.entries(result.check.attributes).map(([k, v]) => (
                  <tr key={k}>
                    <th scope="row">
                      <code>{k}</code>
                    </th>
                    <td>
                      <code>{JSON.stringify(v)}</code>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : (
          <div class="problem" role="alert" aria-label="Token refused">
            <strong class="problem-title">Refused: {result.check.reason}</strong>
            <span class="problem-detail">{result.check.detail}</span>
          </div>
        ))}
    </form>
  );
}
