/**
 * The console's session: a workspace id and an API key, held in this tab's
 * sessionStorage only (never localStorage, never a URL: the sign-in form posts nothing,
 * and the key is not in any link or history entry). Sign-out and closing the tab clear
 * it. The data layer is the SDK's VerdictClient; the scopes come from GET /whoami so the
 * UI can hide what the key cannot do (the server enforces every scope regardless).
 */
import { type ApiKey, VerdictClient, type WhoAmI } from '@verdict-authz/sdk';

const STORAGE_KEY = 'verdict.console.session';

export type Scope = ApiKey['scopes'][number];
export type Credentials = { workspaceId: string; apiKey: string };
export type Session = Credentials & { client: VerdictClient; whoami: WhoAmI };

/** A client of this origin for the workspace, as the key holder or (`token`) as an end user. */
export function clientFor(creds: { workspaceId: string; apiKey?: string; token?: string }): VerdictClient {
  return new VerdictClient({ baseUrl: window.location.origin, timeoutMs: 15_000, ...creds });
}

/** Checks the key against the workspace (GET /whoami) and keeps it for this tab. */
export async function signIn(creds: Credentials): Promise<Session> {
  const client = clientFor(creds);
  const { data } = await client.whoAmI();
  sessionStorage.setItem(STORAGE_KEY, JSON.stringify(creds));
  return { ...creds, client, whoami: data };
}

/** The session kept by this tab, checked again (a revoked key signs the tab out). */
export async function resume(): Promise<Session | null> {
  const raw = sessionStorage.getItem(STORAGE_KEY);
  if (!raw) return null;
  let creds: Credentials;
  try {
    creds = JSON.parse(raw) as Credentials;
  } catch {
    signOut();
    return null;
  }
  try {
    return await signIn(creds);
  } catch (err) {
    // Only an answer that the key is no good signs the tab out; a network error or a 5xx
    // keeps it, and the caller shows the error with a retry.
    const status = (err as { status?: number }).status;
    if (status === 401 || status === 403 || status === 404) {
      signOut();
      return null;
    }
    throw err;
  }
}

export function signOut(): void {
  sessionStorage.removeItem(STORAGE_KEY);
}

/** Whether the session's key carries `scope` (admin carries all), as the server decides. */
export function can(session: Session, scope: Scope): boolean {
  const scopes = session.whoami.key.scopes;
  return scopes.includes('admin') || scopes.includes(scope);
}
