/**
 * Where the server is and which key to use: flags, then the environment (VERDICT_URL,
 * VERDICT_API_KEY, VERDICT_PROFILE), then a saved profile, then verdict.json's url. The
 * key is never printed; errors from the server are one line (status, title, detail).
 */
import { VerdictClient, VerdictError } from '@verdict-authz/sdk';
import { CliError, EXIT, usage } from './errors';
import { readProfile } from './profiles';

export type RemoteFlags = { url?: string; apiKey?: string; profile?: string; workspace?: string };

export type Remote = { url: string; workspace: string; apiKey?: string; client: VerdictClient };

export const remoteArgs = {
  url: { type: 'string', description: 'Verdict’s base URL (else VERDICT_URL, the profile, verdict.json)' },
  'api-key': {
    type: 'string',
    description: 'A workspace API key (else VERDICT_API_KEY or the profile); never printed',
  },
  profile: { type: 'string', description: 'A saved login profile (else VERDICT_PROFILE, else "default")' },
  workspace: { type: 'string', description: 'The workspace (else verdict.json’s, else the profile’s)' },
} as const;

export function flagsOf(args: Record<string, unknown>): RemoteFlags {
  const s = (k: string) => (typeof args[k] === 'string' && args[k] !== '' ? (args[k] as string) : undefined);
  return {
    ...(s('url') ? { url: s('url') } : {}),
    ...(s('api-key') ? { apiKey: s('api-key') } : {}),
    ...(s('profile') ? { profile: s('profile') } : {}),
    ...(s('workspace') ? { workspace: s('workspace') } : {}),
  };
}

/** The server the last resolveRemote chose (one per CLI run), named when it cannot be reached. */
let chosenUrl: string | undefined;

export function resolveRemote(
  flags: RemoteFlags,
  project?: { workspace?: string; url?: string },
  opts: { needKey?: boolean } = {},
): Remote {
  const env = process.env;
  const profileName = flags.profile ?? env.VERDICT_PROFILE ?? 'default';
  const profile = readProfile(profileName);
  if (flags.profile && !profile)
    throw usage(`no profile "${flags.profile}": run verdict login --profile ${flags.profile}`);
  const url = flags.url ?? env.VERDICT_URL ?? profile?.url ?? project?.url;
  const apiKey = flags.apiKey ?? env.VERDICT_API_KEY ?? profile?.apiKey;
  const workspace = flags.workspace ?? project?.workspace ?? profile?.workspace;
  if (!url) throw usage('no server: pass --url, set VERDICT_URL, or run verdict login');
  if (!workspace) throw usage('no workspace: pass --workspace, or run in a folder with verdict.json');
  if (opts.needKey !== false && !apiKey)
    throw usage('no API key: pass --api-key, set VERDICT_API_KEY, or run verdict login');
  let base: URL;
  try {
    base = new URL(url);
  } catch {
    throw usage(`not a URL: ${url}`);
  }
  const client = new VerdictClient({
    baseUrl: base.href.replace(/\/+$/, ''),
    workspaceId: workspace,
    ...(apiKey ? { apiKey } : {}),
    timeoutMs: 15_000,
  });
  chosenUrl = base.href.replace(/\/+$/, '');
  return { url: chosenUrl, workspace, ...(apiKey ? { apiKey } : {}), client };
}

/** A failed call as one line: the problem's title and detail, or why nothing answered. */
export function remoteError(err: unknown, what: string, url = chosenUrl): CliError {
  if (err instanceof VerdictError) {
    if (err.status === 0)
      return new CliError(
        `${what}: cannot reach ${url ?? 'the server'} (${err.code === 'timeout' ? err.problem.detail : 'connection failed'})`,
        EXIT.remote,
      );
    const p = err.problem as { title?: string; detail?: string };
    const line = `${what}: ${err.status} ${p.title ?? err.code}${p.detail ? ` — ${p.detail}` : ''}`;
    return new CliError(
      line,
      err.status === 401 || err.status === 403 ? EXIT.remote : EXIT.failed,
      fieldErrors(err),
    );
  }
  if (err instanceof CliError) return err;
  return new CliError(`${what}: ${err instanceof Error ? err.message : String(err)}`, EXIT.remote);
}

function fieldErrors(err: VerdictError): string[] {
  const errors = (err.problem as { errors?: { path: string; message: string }[] }).errors;
  return Array.isArray(errors) ? errors.map((e) => `${e.path}: ${e.message}`) : [];
}

/** Runs a server call, turning any failure into a one-line CliError. */
export async function call<T>(what: string, run: () => Promise<T>, url?: string): Promise<T> {
  try {
    return await run();
  } catch (err) {
    throw remoteError(err, what, url);
  }
}
