/**
 * VerdictClient: one method per route of the HTTP API, returning `{ data }` exactly as
 * the API does and throwing a typed VerdictError carrying the problem document. Zero
 * dependencies: fetch, AbortController and setTimeout only, so it runs in Node 18+,
 * Bun, Deno, browsers and Workers. Retries only 429 and 503, at most `retries` times,
 * with jittered backoff honouring Retry-After (capped at 2 s); every attempt has its
 * own timeout. The shapes are the contract's (./contract.ts, generated from it).
 *
 * @example
 * const verdict = new VerdictClient({ baseUrl: 'https://verdict.example.com', workspaceId: 'acme', getToken: () => auth.getToken() });
 * const { data } = await verdict.checkAuthorization({ resource: 'orders', action: 'approve', context: { amount: 500 } });
 * if (!data.allowed) throw new Error('denied');
 */
import type {
  ApiKey,
  Attributes,
  AuditEvent,
  AuditPage,
  AuditQuery,
  AuditStats,
  AuthorizeRequest,
  Binding,
  Check,
  CreatedKey,
  CreatedWorkspace,
  CreateKey,
  CreateWorkspace,
  Decision,
  ImpactJob,
  ImpactRequest,
  ImpactResult,
  ImportRecords,
  Permission,
  PolicyCheckResult,
  PolicyDocument,
  PolicySummary,
  PolicyVersion,
  PolicyWriteResult,
  PrincipalCheck,
  PrincipalCheckRequest,
  PromoteShadow,
  Provider,
  ProviderInput,
  RecordPage,
  RecordQuery,
  Revocation,
  Revoke,
  Shadow,
  SimulateRequest,
  UpdateWorkspace,
  ValidateRequest,
  VerdictRecord,
  WhoAmI,
  Workspace,
} from './contract';
import { VerdictError } from './errors';

export type VerdictClientOptions = {
  baseUrl: string;
  workspaceId: string;
  /** Called per request for the end user's token (e.g. Clerk's getToken). */
  getToken?: () => Promise<string | null | undefined> | string | null | undefined;
  /** A fixed end-user token (server-side use). */
  token?: string;
  /** A workspace API key for the admin calls. */
  apiKey?: string;
  fetch?: typeof fetch;
  /** Per attempt. Default 5000 ms. */
  timeoutMs?: number;
  /** Retries on 429/503. Default 2. */
  retries?: number;
};

/** A check, with the end user's token when it is not the client's. */
export type CheckInput = AuthorizeRequest;

type Auth = 'user' | 'key' | 'none';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * One path segment, percent-encoded. A value with no encoding (a lone UTF-16 surrogate)
 * becomes "", which request() refuses with the dot-only segments: no id Verdict accepts
 * is either, and sent, they would address another route or none.
 */
function segment(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    return '';
  }
}

/**
 * Why `path` cannot be sent as written, or undefined: every URL parser reads a "." or ".."
 * segment (and its %2e spellings) as navigation, and an empty one names another route.
 */
function unaddressable(path: string): string | undefined {
  const segments = (path.split('?')[0] ?? '').split('/').slice(1);
  const bad = segments.find((s) => /^(\.|%2e)*$/i.test(s));
  return bad === undefined ? undefined : `"${bad}" cannot be a path segment (${path})`;
}

export class VerdictClient {
  private readonly opts: Required<Pick<VerdictClientOptions, 'timeoutMs' | 'retries'>> & VerdictClientOptions;
  private readonly fetcher: typeof fetch;

  constructor(options: VerdictClientOptions) {
    if (!options.baseUrl || !options.workspaceId)
      throw new TypeError('VerdictClient needs baseUrl and workspaceId');
    this.opts = { timeoutMs: 5000, retries: 2, ...options, baseUrl: options.baseUrl.replace(/\/+$/, '') };
    this.fetcher = options.fetch ?? ((input, init) => fetch(input, init));
  }

  private get ws(): string {
    return `/v1/workspaces/${segment(this.opts.workspaceId)}`;
  }

  private async userToken(explicit?: string): Promise<string | undefined> {
    if (explicit) return explicit;
    if (this.opts.token) return this.opts.token;
    return (await this.opts.getToken?.()) ?? undefined;
  }

  /** Low-level call: path relative to the base URL. Public for routes the SDK does not wrap yet. */
  async request<T>(
    method: string,
    path: string,
    body?: unknown,
    auth: Auth = 'key',
    token?: string,
    extraHeaders: Record<string, string> = {},
  ): Promise<T> {
    const refused = unaddressable(path);
    if (refused) throw new VerdictError(0, { code: 'invalid_path', detail: refused });
    const headers: Record<string, string> = { accept: 'application/json', ...extraHeaders };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const bearer =
      auth === 'key' ? this.opts.apiKey : auth === 'user' ? await this.userToken(token) : undefined;
    if (bearer) headers.authorization = `Bearer ${bearer}`;
    const payload = body === undefined ? undefined : JSON.stringify(body);
    for (let attempt = 0; ; attempt++) {
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), this.opts.timeoutMs);
      let res: Response;
      try {
        res = await this.fetcher(`${this.opts.baseUrl}${path}`, {
          method,
          headers,
          body: payload,
          signal: controller.signal,
        });
      } catch (err) {
        const timedOut = controller.signal.aborted;
        throw new VerdictError(0, {
          code: timedOut ? 'timeout' : 'network_error',
          detail: timedOut ? `No answer within ${this.opts.timeoutMs} ms` : String(err),
        });
      } finally {
        clearTimeout(timer);
      }
      if ((res.status === 429 || res.status === 503) && attempt < this.opts.retries) {
        await res.body?.cancel();
        const retryAfter = Number(res.headers.get('retry-after'));
        const base = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : 100 * 2 ** attempt;
        await sleep(Math.min(2000, base) * (0.5 + Math.random() / 2));
        continue;
      }
      if (res.status === 204) return undefined as T;
      const text = await res.text();
      let parsed: unknown;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        parsed = { detail: text.slice(0, 200) };
      }
      if (!res.ok) throw new VerdictError(res.status, (parsed ?? {}) as Record<string, unknown>);
      return parsed as T;
    }
  }

  // ---- decisions ----------------------------------------------------------------

  /** One decision. A policy denial is `data.allowed === false`, not an error. */
  checkAuthorization(input: CheckInput): Promise<{ data: Decision }> {
    const { token, ...check } = input;
    return this.request('POST', `${this.ws}/authorize`, check, 'user', token);
  }

  /** Up to 100 decisions for one token, verified once. */
  checkAuthorizationBatch(input: { token?: string; checks: Check[] }): Promise<{ data: Decision[] }> {
    return this.request('POST', `${this.ws}/authorize/batch`, { checks: input.checks }, 'user', input.token);
  }

  // ---- records (end-user token) -------------------------------------------------------

  private rec(collection: string, id?: string): string {
    return `${this.ws}/records/${segment(collection)}${id === undefined ? '' : `/${segment(id)}`}`;
  }

  /** The records of `collection` the signed-in user may read (the seed's `queryRecords('orders')`). */
  queryRecords(collection: string, query: RecordQuery = {}): Promise<RecordPage> {
    return this.request('POST', `${this.rec(collection)}/query`, query, 'user');
  }
  getRecord(collection: string, id: string): Promise<{ data: VerdictRecord }> {
    return this.request('GET', this.rec(collection, id), undefined, 'user');
  }
  createRecord(
    collection: string,
    data: Record<string, unknown>,
    opts: { id?: string } = {},
  ): Promise<{ data: VerdictRecord }> {
    return this.request('POST', this.rec(collection), { ...(opts.id ? { id: opts.id } : {}), data }, 'user');
  }
  /** Merges `data` (null removes a field). Pass `version` to fail with 412 if the record changed. */
  updateRecord(
    collection: string,
    id: string,
    data: Record<string, unknown>,
    opts: { version?: number } = {},
  ): Promise<{ data: VerdictRecord }> {
    const ifMatch: Record<string, string> =
      opts.version === undefined ? {} : { 'if-match': `"${opts.version}"` };
    return this.request('PATCH', this.rec(collection, id), { data }, 'user', undefined, ifMatch);
  }
  deleteRecord(collection: string, id: string, opts: { version?: number } = {}): Promise<void> {
    const ifMatch: Record<string, string> =
      opts.version === undefined ? {} : { 'if-match': `"${opts.version}"` };
    return this.request('DELETE', this.rec(collection, id), undefined, 'user', undefined, ifMatch);
  }

  // ---- admin (API key) --------------------------------------------------------------

  putPolicy(name: string, policy: PolicyDocument): Promise<{ data: PolicyWriteResult }> {
    return this.request('PUT', `${this.ws}/policies/${segment(name)}`, policy);
  }
  listPolicies(): Promise<{ data: PolicySummary[] }> {
    return this.request('GET', `${this.ws}/policies`);
  }
  getPolicy(name: string): Promise<{ data: PolicyVersion & { latestVersion: number } }> {
    return this.request('GET', `${this.ws}/policies/${segment(name)}`);
  }
  listPolicyVersions(name: string): Promise<{ data: PolicyVersion[] }> {
    return this.request('GET', `${this.ws}/policies/${segment(name)}/versions`);
  }
  rollbackPolicy(name: string, version: number): Promise<{ data: PolicySummary }> {
    return this.request('POST', `${this.ws}/policies/${segment(name)}/rollback`, { version });
  }
  deletePolicy(name: string): Promise<void> {
    return this.request('DELETE', `${this.ws}/policies/${segment(name)}`);
  }
  putPermission(binding: Permission): Promise<{ data: Permission }> {
    return this.request('PUT', `${this.ws}/permissions`, binding);
  }
  listPermissions(): Promise<{ data: Binding[] }> {
    return this.request('GET', `${this.ws}/permissions`);
  }
  deletePermission(resource: string, action: string): Promise<void> {
    const q = new URLSearchParams({ resource, action });
    return this.request('DELETE', `${this.ws}/permissions?${q}`);
  }
  createAuthProvider(provider: ProviderInput): Promise<{ data: Provider }> {
    return this.request('POST', `${this.ws}/auth-providers`, provider);
  }
  listAuthProviders(): Promise<{ data: Provider[] }> {
    return this.request('GET', `${this.ws}/auth-providers`);
  }
  replaceAuthProvider(id: string, provider: ProviderInput): Promise<{ data: Provider }> {
    return this.request('PUT', `${this.ws}/auth-providers/${segment(id)}`, provider);
  }
  deleteAuthProvider(id: string): Promise<void> {
    return this.request('DELETE', `${this.ws}/auth-providers/${segment(id)}`);
  }
  /** Verify a token against one provider (or map claims): the ext_* attributes policies would see, or the refusal. */
  checkPrincipal(providerId: string, input: PrincipalCheckRequest): Promise<{ data: PrincipalCheck }> {
    return this.request('POST', `${this.ws}/auth-providers/${segment(providerId)}/check`, input);
  }
  simulate(
    input: SimulateRequest,
  ): Promise<{ data: Omit<Decision, 'decisionId' | 'subject'> & { trace: unknown[] } }> {
    return this.request('POST', `${this.ws}/simulate`, input);
  }
  /** Policies checked as a write would check them (errors name rule and condition); writes nothing. */
  validatePolicies(input: ValidateRequest): Promise<{ data: PolicyCheckResult[] }> {
    return this.request('POST', `${this.ws}/validate`, input);
  }
  /** The attributes policies can use: ext_* from the claim mappings, and the built-ins. */
  getAttributes(): Promise<{ data: Attributes }> {
    return this.request('GET', `${this.ws}/attributes`);
  }
  queryAudit(filter: AuditQuery = {}): Promise<AuditPage> {
    return this.request('GET', `${this.ws}/audit${query(filter)}`);
  }
  /**
   * Every matching event, newest first, from D1's hot window and then the R2 archive,
   * parsed as the NDJSON stream arrives (no timeout: a long range takes as long as it takes).
   */
  async *exportAudit(filter: Omit<AuditQuery, 'limit' | 'cursor'> = {}): AsyncGenerator<AuditEvent> {
    const headers: Record<string, string> = { accept: 'application/x-ndjson' };
    if (this.opts.apiKey) headers.authorization = `Bearer ${this.opts.apiKey}`;
    let res: Response;
    try {
      res = await this.fetcher(
        `${this.opts.baseUrl}${this.ws}/audit/export${query({ ...filter, format: 'ndjson' })}`,
        { headers },
      );
    } catch (err) {
      throw new VerdictError(0, { code: 'network_error', detail: String(err) });
    }
    if (!res.ok || !res.body) {
      const text = await res.text();
      let problem: Record<string, unknown>;
      try {
        problem = JSON.parse(text) as Record<string, unknown>;
      } catch {
        problem = { detail: text.slice(0, 200) };
      }
      throw new VerdictError(res.status, problem);
    }
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffered = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (value) buffered += value;
      let newline = buffered.indexOf('\n');
      while (newline >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        if (line) yield JSON.parse(line) as AuditEvent;
        newline = buffered.indexOf('\n');
      }
      if (done) break;
    }
    if (buffered.trim()) yield JSON.parse(buffered) as AuditEvent;
  }
  /** One decision as audited (404 until the trail has it: it lags by a queue batch). */
  getAuditEvent(decisionId: string): Promise<{ data: AuditEvent }> {
    return this.request('GET', `${this.ws}/audit/${segment(decisionId)}`);
  }
  auditStats(range: { from?: string | number; to?: string | number } = {}): Promise<{ data: AuditStats }> {
    return this.request('GET', `${this.ws}/audit/stats${query(range)}`);
  }
  /**
   * Replays every stored decision in a window against draft policies or bindings. A
   * small window answers inline (`result`); a larger one starts a job (`job`: poll
   * getImpactJob until done).
   */
  async impact(input: ImpactRequest): Promise<{ result: ImpactResult } | { job: ImpactJob }> {
    const res = await this.request<{ data: ImpactResult | ImpactJob }>('POST', `${this.ws}/impact`, input);
    return 'status' in res.data ? { job: res.data } : { result: res.data };
  }
  getImpactJob(jobId: string): Promise<{ data: ImpactJob }> {
    return this.request('GET', `${this.ws}/impact/${segment(jobId)}`);
  }
  /**
   * Follows an impact job until it is done or failed: reads it every `intervalMs` (default
   * 1 s) and yields each state read (not `job` itself, so nothing is yielded for a job that
   * has already ended). Ends quietly once `signal` aborts; a failed read is thrown.
   */
  async *followImpactJob(
    job: ImpactJob,
    opts: { intervalMs?: number; signal?: AbortSignal } = {},
  ): AsyncGenerator<ImpactJob> {
    let current = job;
    while (current.status === 'queued' || current.status === 'running') {
      await sleep(opts.intervalMs ?? 1000);
      if (opts.signal?.aborted) return;
      current = (await this.getImpactJob(current.id)).data;
      if (opts.signal?.aborted) return;
      yield current;
    }
  }
  /** Attaches a draft beside live policy `name`: evaluated on every decision using it, never deciding. */
  attachShadow(name: string, draft: PolicyDocument): Promise<{ data: Shadow }> {
    return this.request('PUT', `${this.ws}/policies/${segment(name)}/shadow`, draft);
  }
  getShadow(name: string): Promise<{ data: Shadow }> {
    return this.request('GET', `${this.ws}/policies/${segment(name)}/shadow`);
  }
  /**
   * Makes the draft live, only while the live version is still the one the shadow was
   * attached beside (or `expectedVersion`): otherwise a 409 VerdictError whose problem
   * carries `expectedVersion` and `currentVersion`.
   */
  promoteShadow(name: string, opts: PromoteShadow = {}): Promise<{ data: PolicyWriteResult }> {
    return this.request(
      'POST',
      `${this.ws}/policies/${segment(name)}/shadow/promote`,
      opts.expectedVersion === undefined ? undefined : { expectedVersion: opts.expectedVersion },
    );
  }
  detachShadow(name: string): Promise<void> {
    return this.request('DELETE', `${this.ws}/policies/${segment(name)}/shadow`);
  }
  /**
   * Inserts or replaces records by id with this client's API key (scope records:write),
   * e.g. the subject directory trusted-PEP AuthZEN calls read. No end-user token, no policy.
   */
  importRecords(collection: string, body: ImportRecords): Promise<{ data: { imported: number } }> {
    return this.request('POST', `${this.ws}/records/${segment(collection)}/import`, body);
  }
  /**
   * Creates the workspace this client names (its `workspaceId`), with the deployment's root
   * key as `apiKey`. The answer holds the workspace's first admin key, its secret shown once.
   */
  createWorkspace(input: Omit<CreateWorkspace, 'id'>): Promise<{ data: CreatedWorkspace }> {
    return this.request('POST', '/v1/workspaces', { ...input, id: this.opts.workspaceId });
  }
  /** The workspace and this client's key: its name and scopes. */
  whoAmI(): Promise<{ data: WhoAmI }> {
    return this.request('GET', `${this.ws}/whoami`);
  }
  getWorkspace(): Promise<{ data: Workspace }> {
    return this.request('GET', this.ws);
  }
  updateWorkspace(patch: UpdateWorkspace): Promise<{ data: Workspace }> {
    return this.request('PATCH', this.ws, patch);
  }
  listApiKeys(): Promise<{ data: ApiKey[] }> {
    return this.request('GET', `${this.ws}/api-keys`);
  }
  /** The secret is in `data.key`, this once. */
  createApiKey(input: CreateKey): Promise<{ data: CreatedKey }> {
    return this.request('POST', `${this.ws}/api-keys`, input);
  }
  revokeApiKey(id: string): Promise<void> {
    return this.request('DELETE', `${this.ws}/api-keys/${segment(id)}`);
  }
  listRevocations(): Promise<{ data: Revocation[] }> {
    return this.request('GET', `${this.ws}/revocations`);
  }
  revoke(input: Revoke): Promise<{ data: Revocation }> {
    return this.request('POST', `${this.ws}/revocations`, input);
  }
  unrevoke(kind: Revoke['kind'], value: string): Promise<void> {
    return this.request('DELETE', `${this.ws}/revocations/${segment(kind)}/${segment(value)}`);
  }
}

function query(params: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) q.set(k, String(v));
  return q.size ? `?${q}` : '';
}
