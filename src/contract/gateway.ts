/**
 * Gateway contracts: the answer every gateway adapter shares (forward-auth, ext_authz,
 * RPC authorizeRequest), the API Gateway Lambda-authorizer event and simple response,
 * and the service-binding RPC requests.
 */
import { z } from 'zod';
import { ContextSchema } from './decision';

/** 200 allows (identity in the headers), 401 asks for a new token, 403 refuses. */
export const GatewayAnswerSchema = z.object({
  status: z.union([z.literal(200), z.literal(401), z.literal(403)]),
  headers: z.record(z.string(), z.string()),
  reason: z.string().optional(),
});
export type GatewayAnswer = z.infer<typeof GatewayAnswerSchema>;

export const LambdaEventSchema = z
  .object({
    version: z.literal('2.0').optional(),
    type: z.string().optional(),
    routeKey: z.string().max(1024).optional(),
    rawPath: z.string().max(4096).optional(),
    rawQueryString: z.string().max(8192).optional(),
    identitySource: z.array(z.string().max(16_384)).max(10).optional(),
    headers: z.record(z.string(), z.string()).optional(),
    requestContext: z
      .object({
        http: z
          .object({ method: z.string(), path: z.string().optional(), sourceIp: z.string().optional() })
          .passthrough()
          .optional(),
      })
      .passthrough()
      .optional(),
  })
  .passthrough()
  .meta({ id: 'LambdaAuthorizerEvent' });

export const LambdaResponseSchema = z
  .object({ isAuthorized: z.boolean(), context: z.record(z.string(), z.string()) })
  .meta({ id: 'LambdaAuthorizerResponse' });

/** env.VERDICT.authorize(workspaceId, request) */
export const RpcAuthorizeRequestSchema = z.object({
  token: z.string().optional(),
  resource: z.string(),
  action: z.string(),
  context: ContextSchema.optional(),
  /** The end user's address; without it, ip conditions are indeterminate. */
  ip: z.string().optional(),
});
export type RpcAuthorizeRequest = z.infer<typeof RpcAuthorizeRequestSchema>;

/** env.VERDICT.authorizeRequest(workspaceId, request) */
export const RpcRouteRequestSchema = z.object({
  token: z.string().optional(),
  method: z.string(),
  /** The request's URL (absolute, as `request.url` in the gateway) or its path and query. */
  url: z.string(),
  ip: z.string().optional(),
  /**
   * The request's headers (`Object.fromEntries(request.headers)`), or at least any
   * method-override header it carries: X-HTTP-Method-Override, X-HTTP-Method or
   * X-Method-Override make the request refused (method_override), since an upstream
   * honouring one would serve a method nobody authorized. Names are case-insensitive.
   */
  headers: z.record(z.string(), z.string()).optional(),
});
export type RpcRouteRequest = z.infer<typeof RpcRouteRequestSchema>;
