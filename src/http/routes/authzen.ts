/**
 * OpenID AuthZEN Authorization API 1.0, evaluation endpoints, over the same decision
 * path as POST /authorize. The workspace comes from the X-Verdict-Workspace header or
 * the host's first label (acme.verdict.example.com). The subject is the bearer JWT's
 * `sub`; a request whose subject.id differs is denied. Mapping: action.name → action,
 * resource.type → resource, resource.properties and context → request_metadata
 * (plus resource_id), resource.properties → record.<field>.
 */
import { createRoute } from '@hono/zod-openapi';
import type { Context } from 'hono';
import {
  type Evaluation as AuthZenEvaluation,
  type Decision,
  type EvaluationResult,
  EvaluationResultSchema,
  EvaluationSchema,
  EvaluationsResultSchema,
  EvaluationsSchema,
  WORKSPACE_ID,
} from '../../contract';
import { authorize } from '../../decision/authorize';
import { requireIdentity, settle } from '../../decision/enforce';
import { badRequest } from '../../lib/errors';
import { REQUEST_BUDGET } from '../../policy/attributes';
import { bearerToken } from '../middleware/auth';
import { errors, jsonBody, jsonOf, router } from '../openapi';
import type { AppEnv } from '../types';
import { callerOf, decisionRequest } from './authorize';

type Item = AuthZenEvaluation;
type Result = EvaluationResult;

/** The workspace named by the host's first label (acme.verdict.example.com), if any. */
function hostWorkspace(host: string): string | undefined {
  // IP literals and single-label hosts (localhost) name no workspace.
  if (host.startsWith('[') || /^[0-9.]+$/.test(host)) return undefined;
  const labels = host.split('.');
  return labels.length >= 3 && WORKSPACE_ID.test(labels[0] ?? '') ? labels[0] : undefined;
}

/** The workspace: X-Verdict-Workspace or the host; both present and different is refused. */
function workspaceOf(c: Context<AppEnv>): string {
  const header = c.req.header('x-verdict-workspace');
  const fromHost = hostWorkspace(new URL(c.req.url).hostname);
  if (header !== undefined && fromHost !== undefined && header !== fromHost)
    throw badRequest('X-Verdict-Workspace and the host name different workspaces');
  const ws = header ?? fromHost;
  if (ws !== undefined) return ws;
  throw badRequest('Name the workspace with the X-Verdict-Workspace header (or use <workspace>.<your host>)');
}

function toCheck(item: Item) {
  const props = item.resource.properties ?? {};
  return {
    resource: item.resource.type,
    action: item.action.name,
    context: {
      ...props,
      ...(item.action.properties ?? {}),
      ...(item.context ?? {}),
      resource_id: item.resource.id,
    },
    // The PEP's properties never override the resource's own id.
    record: { ...props, id: item.resource.id },
  };
}

function resultOf(d: Decision): Result {
  const first = d.reasons.find((r) => 'message' in r) as { message?: string } | undefined;
  const why = d.allowed
    ? `rule "${d.ruleId}" of policy "${d.policy}" v${d.policyVersion}`
    : (first?.message ?? String(d.ruleId));
  return { decision: d.allowed, context: { id: d.decisionId, reason_admin: { en: why } } };
}

const invalid = (reason: string): Result => ({
  decision: false,
  context: { code: 400, reason_admin: { en: reason } },
});

async function evaluate(
  c: Context<AppEnv>,
  ws: string,
  token: string | undefined,
  items: (Item | string)[],
  semantic: string,
): Promise<Result[]> {
  // Verify the token once; a refused token is the request's 401, as for /authorize.
  const first = items.find((i): i is Item => typeof i !== 'string');
  const sub = (
    await requireIdentity(
      decisionRequest(c, ws, token),
      first ? toCheck(first) : { resource: 'authzen', action: 'evaluate' },
    )
  ).sub;
  const results: Result[] = [];
  // One work budget for the whole call, however many evaluations it holds.
  const budget = { left: REQUEST_BUDGET };
  for (const item of items) {
    let result: Result;
    if (typeof item === 'string') result = invalid(item);
    else if (item.subject.id !== sub)
      result = {
        decision: false,
        context: { reason_admin: { en: 'subject.id does not match the token subject' } },
      };
    else {
      const outcome = await authorize(c.env, ws, token, [toCheck(item)], callerOf(c), Date.now(), budget);
      settle({ env: c.env, ctx: c.executionCtx }, outcome);
      result = resultOf(outcome.decisions[0] as Decision);
    }
    results.push(result);
    if (semantic === 'deny_on_first_deny' && !result.decision) break;
    if (semantic === 'permit_on_first_permit' && result.decision) break;
  }
  return results;
}

const authzenErrors = { 400: errors.badRequest, 401: errors.unauthorized, 503: errors.unavailable } as const;

export const authzenRoutes = router();

authzenRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/access/v1/evaluation',
    operationId: 'authzenEvaluation',
    tags: ['AuthZEN'],
    summary: 'AuthZEN Access Evaluation',
    security: [{ endUserJwt: [] }],
    request: { body: jsonBody(EvaluationSchema) },
    responses: { 200: jsonOf(EvaluationResultSchema, 'The decision'), ...authzenErrors },
  }),
  async (c) => {
    const [result] = await evaluate(c, workspaceOf(c), bearerToken(c), [c.req.valid('json')], 'execute_all');
    return c.json(result as Result, 200, { 'cache-control': 'no-store' });
  },
);

authzenRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/access/v1/evaluations',
    operationId: 'authzenEvaluations',
    tags: ['AuthZEN'],
    summary:
      'AuthZEN Access Evaluations (batch): top-level defaults, per-item overrides, evaluations_semantic',
    security: [{ endUserJwt: [] }],
    request: { body: jsonBody(EvaluationsSchema) },
    responses: {
      200: jsonOf(
        EvaluationsResultSchema,
        'One result per evaluation (or a single decision when no evaluations are given)',
      ),
      ...authzenErrors,
    },
  }),
  async (c) => {
    const body = c.req.valid('json');
    const ws = workspaceOf(c);
    const defaults = {
      subject: body.subject,
      action: body.action,
      resource: body.resource,
      context: body.context,
    };
    if (!body.evaluations || body.evaluations.length === 0) {
      // No evaluations array: a single evaluation, answered in the single shape.
      const single = EvaluationSchema.safeParse(defaults);
      if (!single.success)
        throw badRequest(
          'subject, action and resource are required',
          single.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
        );
      const [result] = await evaluate(c, ws, bearerToken(c), [single.data], 'execute_all');
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
    const results = await evaluate(
      c,
      ws,
      bearerToken(c),
      items,
      body.options?.evaluations_semantic ?? 'execute_all',
    );
    return c.json({ evaluations: results }, 200, { 'cache-control': 'no-store' });
  },
);
