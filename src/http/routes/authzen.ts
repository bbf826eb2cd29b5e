/**
 * OpenID AuthZEN Authorization API 1.0: the evaluation endpoints and PDP metadata, over
 * the same decision path as POST /authorize.
 *
 * Who the subject is — two modes, told apart by the Authorization header:
 * - **End-user token** (`Authorization: Bearer <JWT>`): the subject is the token's `sub`;
 *   an item whose subject.id differs is denied. Results carry a context (decision id and
 *   reason), as they always have.
 * - **Trusted PEP** (`Authorization: vk_…` or `Bearer vk_…`, a workspace API key with
 *   scope `authzen:pep`): the subject is the body's subject.id, its attributes come from
 *   the workspace's subject source (PepSubjects: a records collection by id and/or
 *   subject.properties, through claim mappings). With `X-Verdict-Subject-Token: <JWT>`
 *   too, the token's subject wins and a mismatch denies. Results are exactly the spec's
 *   `{ "decision": … }`, with a context only for an item that could not be evaluated, or
 *   when `options.explain` asks for one. The audit event names the key.
 *
 * Where: `/access/v1/…` (workspace from X-Verdict-Workspace, the host's first label, or
 * the PEP key's own workspace) and `/v1/workspaces/{ws}/access/v1/…`, so a PEP can be
 * configured with the base URL `…/v1/workspaces/{ws}` alone.
 *
 * Mapping: action.name → action, resource.type → resource, resource.properties and
 * context → request_metadata (plus resource_id), resource.properties → record.<field>.
 */
import { createRoute, type z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import {
  type Evaluation as AuthZenEvaluation,
  type EvaluationResult,
  EvaluationResultSchema,
  EvaluationSchema,
  EvaluationsResultSchema,
  EvaluationsSchema,
  PdpMetadataSchema,
  WORKSPACE_ID,
} from '../../contract';
import { type AuthZenCaller, evaluateAll } from '../../decision/authzen';
import { badRequest, notFound } from '../../lib/errors';
import type { ApiKey } from '../../storage/api-keys';
import { decisionRequest } from '../decision-request';
import { bearerToken } from '../middleware/auth';
import { errors, jsonBody, jsonOf, router, WorkspaceParam } from '../openapi';
import type { AppEnv } from '../types';

type Item = AuthZenEvaluation;
type Result = EvaluationResult;

/** The workspace named by the host's first label (acme.verdict.example.com), if any. */
function hostWorkspace(host: string): string | undefined {
  // IP literals and single-label hosts (localhost) name no workspace.
  if (host.startsWith('[') || /^[0-9.]+$/.test(host)) return undefined;
  const labels = host.split('.');
  return labels.length >= 3 && WORKSPACE_ID.test(labels[0] ?? '') ? labels[0] : undefined;
}

/** The workspace a root-path call names: X-Verdict-Workspace or the host; both and different is refused. */
function namedWorkspace(c: Context<AppEnv>): string | undefined {
  const header = c.req.header('x-verdict-workspace');
  const fromHost = hostWorkspace(new URL(c.req.url).hostname);
  if (header !== undefined && fromHost !== undefined && header !== fromHost)
    throw badRequest('X-Verdict-Workspace and the host name different workspaces');
  return header ?? fromHost;
}

async function callerOfRequest(c: Context<AppEnv>, pathWs: string | undefined): Promise<AuthZenCaller> {
  const named = pathWs ?? namedWorkspace(c);
  // A trusted PEP's key was authenticated and its scope checked by the access check (access.ts).
  const key = c.var.apiKey as ApiKey | undefined;
  if (key === undefined) {
    if (named === undefined)
      throw badRequest(
        'Name the workspace: POST /v1/workspaces/{ws}/access/v1/…, the X-Verdict-Workspace header, or <workspace>.<your host>',
      );
    return { kind: 'user', ws: named, token: bearerToken(c) };
  }
  // A key answers for its own workspace only: another one does not exist for it.
  if (named !== undefined && named !== key.workspaceId) throw notFound('Workspace');
  return { kind: 'pep', keyId: key.id, ws: key.workspaceId, token: c.req.header('x-verdict-subject-token') };
}

const authzenErrors = {
  400: errors.badRequest,
  401: errors.unauthorized,
  403: errors.forbidden,
  404: errors.notFound,
  503: errors.unavailable,
} as const;
const security: Record<string, string[]>[] = [{ endUserJwt: [] }, { apiKey: [] }];

/** The decision request of an AuthZEN call: its workspace, and the token that names its subject (if any). */
const requestOf = (c: Context<AppEnv>, who: AuthZenCaller) => ({
  ...decisionRequest(c, who.ws),
  // A PEP's Authorization header holds its key, never a token: the subject's token, if any, is who.token.
  token: who.token,
});

async function single(c: Context<AppEnv>, pathWs: string | undefined, body: Item) {
  const who = await callerOfRequest(c, pathWs);
  const [result] = await evaluateAll(
    requestOf(c, who),
    who,
    [body],
    'execute_all',
    body.options?.explain === true,
  );
  return c.json(result as Result, 200, { 'cache-control': 'no-store' });
}

async function batch(
  c: Context<AppEnv>,
  pathWs: string | undefined,
  body: z.infer<typeof EvaluationsSchema>,
) {
  const who = await callerOfRequest(c, pathWs);
  const explain = body.options?.explain === true;
  const defaults = {
    subject: body.subject,
    action: body.action,
    resource: body.resource,
    context: body.context,
  };
  if (!body.evaluations || body.evaluations.length === 0) {
    // No evaluations array: a single evaluation, answered in the single shape.
    const one = EvaluationSchema.safeParse(defaults);
    if (!one.success)
      throw badRequest(
        'subject, action and resource are required',
        one.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
      );
    const [result] = await evaluateAll(requestOf(c, who), who, [one.data], 'execute_all', explain);
    return c.json(result as Result, 200, { 'cache-control': 'no-store' });
  }
  const items = body.evaluations.map((e) => {
    const merged = EvaluationSchema.safeParse({
      subject: e.subject ?? defaults.subject,
      action: e.action ?? defaults.action,
      resource: e.resource ?? defaults.resource,
      context: e.context ?? defaults.context,
    });
    return merged.success
      ? merged.data
      : `invalid evaluation: ${merged.error.issues.map((i) => i.path.join('.')).join(', ')} missing or wrong`;
  });
  const semantic = body.options?.evaluations_semantic ?? 'execute_all';
  const results = await evaluateAll(requestOf(c, who), who, items, semantic, explain);
  return c.json({ evaluations: results }, 200, { 'cache-control': 'no-store' });
}

export const authzenRoutes = router();

const evaluationResponses = { 200: jsonOf(EvaluationResultSchema, 'The decision'), ...authzenErrors };
const evaluationsResponses = {
  200: jsonOf(
    EvaluationsResultSchema,
    'One result per evaluation (or a single decision when no evaluations are given)',
  ),
  ...authzenErrors,
};
const BATCH =
  'AuthZEN Access Evaluations (batch): top-level defaults, per-item overrides, evaluations_semantic';

authzenRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/access/v1/evaluation',
    operationId: 'authzenEvaluation',
    tags: ['AuthZEN'],
    summary: 'AuthZEN Access Evaluation (end-user JWT, or a PEP key with scope authzen:pep)',
    security,
    request: { body: jsonBody(EvaluationSchema) },
    responses: evaluationResponses,
  }),
  async (c) => single(c, undefined, c.req.valid('json')),
);

authzenRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/v1/workspaces/{ws}/access/v1/evaluation',
    operationId: 'authzenWorkspaceEvaluation',
    tags: ['AuthZEN'],
    summary: 'AuthZEN Access Evaluation at the workspace’s base URL',
    security,
    request: { params: WorkspaceParam, body: jsonBody(EvaluationSchema) },
    responses: evaluationResponses,
  }),
  async (c) => single(c, c.req.valid('param').ws, c.req.valid('json')),
);

authzenRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/access/v1/evaluations',
    operationId: 'authzenEvaluations',
    tags: ['AuthZEN'],
    summary: BATCH,
    security,
    request: { body: jsonBody(EvaluationsSchema) },
    responses: evaluationsResponses,
  }),
  async (c) => batch(c, undefined, c.req.valid('json')),
);

authzenRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/v1/workspaces/{ws}/access/v1/evaluations',
    operationId: 'authzenWorkspaceEvaluations',
    tags: ['AuthZEN'],
    summary: `${BATCH}, at the workspace’s base URL`,
    security,
    request: { params: WorkspaceParam, body: jsonBody(EvaluationsSchema) },
    responses: evaluationsResponses,
  }),
  async (c) => batch(c, c.req.valid('param').ws, c.req.valid('json')),
);

/** PDP metadata for a base URL (the PDP identifier). */
const metadata = (base: string) => ({
  policy_decision_point: base,
  access_evaluation_endpoint: `${base}/access/v1/evaluation`,
  access_evaluations_endpoint: `${base}/access/v1/evaluations`,
});

const metadataResponse = { 200: jsonOf(PdpMetadataSchema, 'The PDP metadata'), 400: errors.badRequest };

authzenRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/.well-known/authzen-configuration',
    operationId: 'authzenMetadata',
    tags: ['AuthZEN'],
    summary: 'PDP metadata for this host (the workspace then comes from the header, the host or the PEP key)',
    responses: metadataResponse,
  }),
  (c) => c.json(metadata(new URL(c.req.url).origin), 200),
);

// RFC 8615: the well-known segment goes between the host and the PDP identifier's path.
for (const path of [
  '/.well-known/authzen-configuration/v1/workspaces/{ws}',
  '/v1/workspaces/{ws}/.well-known/authzen-configuration',
]) {
  authzenRoutes.openapi(
    createRoute({
      method: 'get',
      path,
      operationId: path.startsWith('/.well-known')
        ? 'authzenWorkspaceMetadata'
        : 'authzenWorkspaceMetadataUnderBase',
      tags: ['AuthZEN'],
      summary:
        'PDP metadata of a workspace’s base URL (the same for any well-formed workspace id: it reveals nothing)',
      request: { params: WorkspaceParam },
      responses: metadataResponse,
    }),
    (c) => {
      const ws = c.req.valid('param').ws;
      if (!WORKSPACE_ID.test(ws)) throw badRequest('The workspace id is not valid');
      return c.json(metadata(`${new URL(c.req.url).origin}/v1/workspaces/${ws}`), 200);
    },
  );
}
