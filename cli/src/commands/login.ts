/** `verdict login`: save a server, workspace and API key as a profile, checking the key when a workspace is named. */
import { defineCommand } from 'citty';
import pc from 'picocolors';
import { call, resolveRemote } from '../connection';
import { usage } from '../errors';
import { out } from '../output';
import { saveProfile } from '../profiles';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8').trim();
}

export const login = defineCommand({
  meta: {
    name: 'login',
    description:
      'Save a server, workspace and API key as a profile (file mode 0600); the key is never printed',
  },
  args: {
    url: { type: 'string', description: 'Verdict’s base URL', required: true },
    'api-key': {
      type: 'string',
      description: 'The API key (else read from stdin, so it stays out of shell history)',
    },
    workspace: { type: 'string', description: 'The workspace (checked with the key)' },
    profile: { type: 'string', description: 'Profile name', default: 'default' },
  },
  async run({ args }) {
    let apiKey = args['api-key'];
    if (!apiKey) {
      if (process.stdin.isTTY)
        throw usage('pass --api-key, or pipe the key on stdin: verdict login --url … < key.txt');
      apiKey = await readStdin();
    }
    if (!apiKey) throw usage('the API key is empty');
    if (args.workspace) {
      const remote = resolveRemote({ url: args.url, apiKey, workspace: args.workspace });
      await call('checking the key', () => remote.client.listPolicies());
    }
    const path = saveProfile(args.profile, {
      url: args.url,
      apiKey,
      ...(args.workspace ? { workspace: args.workspace } : {}),
    });
    out(
      `${pc.green('✓')} profile "${args.profile}": ${args.url}${args.workspace ? ` (workspace ${args.workspace}, key accepted)` : ''} — saved in ${path}`,
    );
  },
});
