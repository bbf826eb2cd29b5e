/** `verdict token`: mint a token from a local server's development IdP. */
import { existsSync, readFileSync } from 'node:fs';
import { defineCommand } from 'citty';
import { call, flagsOf, remoteArgs, resolveRemote } from '../connection';
import { usage } from '../errors';
import { out } from '../output';
import { projectConfig } from './local';

export const token = defineCommand({
  meta: {
    name: 'token',
    description:
      'Mint a token from a local server’s development IdP (npm run dev): --user employee|manager|finance or a claims file',
  },
  args: {
    ...remoteArgs,
    user: {
      type: 'string',
      description: 'employee, manager, finance, or a JSON file of claims',
      required: true,
    },
    audience: { type: 'string', description: 'The aud claim', default: 'verdict' },
    'expires-in': { type: 'string', description: 'Lifetime in seconds', default: '3600' },
  },
  async run({ args }) {
    const remote = resolveRemote(flagsOf(args), projectConfig('.'), { needKey: false });
    out(await mint(remote, args.user, args.audience, Number(args['expires-in'])));
  },
});

/** A token from the server's development IdP, for a named user or a JSON file of claims. */
export async function mint(
  remote: ReturnType<typeof resolveRemote>,
  user: string,
  audience = 'verdict',
  expiresInSec = 3600,
): Promise<string> {
  let body: Record<string, unknown>;
  if (user.endsWith('.json') || existsSync(user)) {
    let claims: unknown;
    try {
      claims = JSON.parse(readFileSync(user, 'utf8'));
    } catch (err) {
      throw usage(`--user ${user}: not a readable JSON file of claims (${(err as Error).message})`);
    }
    body = { claims, audience, expiresInSec };
  } else body = { user, audience, expiresInSec };
  const res = await call('minting a development token', () =>
    remote.client.request<{ access_token: string }>('POST', '/dev-idp/token', body, 'none'),
  );
  return res.access_token;
}
