/** The Hono environment shared by every route group. */
import type { ApiKey } from '../storage/api-keys';
import type { Workspace } from '../storage/workspaces';

export type AppEnv = {
  Bindings: Env;
  Variables: {
    requestId: string;
    /** Set by the access check (access.ts) on routes a workspace key may call. */
    workspace: Workspace;
    apiKey: ApiKey;
    /** The request body's text, as read by the body limit (JSON bodies only). */
    bodyText: string;
  };
};
