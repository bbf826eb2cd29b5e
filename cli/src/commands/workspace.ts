/**
 * `verdict workspace create <id>`: a new workspace from the deployment's root key, without
 * curl. Its first admin key is saved as a profile (file mode 0600) and never printed, so the
 * next `verdict push` just works.
 */
import { defineCommand } from 'citty';
import pc from 'picocolors';
import { call, resolveRemote } from '../connection';
import { usage } from '../errors';
import { out } from '../output';
import { saveProfile } from '../profiles';

const create = defineCommand({
  meta: {
    name: 'create',
    description: 'Create a workspace with the root key and save its admin key as a profile (never printed)',
  },
  args: {
    id: {
      type: 'positional',
      description: 'Workspace id: lowercase letters, digits and dashes',
      required: true,
    },
    url: { type: 'string', description: 'Verdict’s base URL (else VERDICT_URL)' },
    'root-key': { type: 'string', description: 'The deployment’s root key (else VERDICT_ROOT_KEY)' },
    name: { type: 'string', description: 'Display name (default: the id)' },
    timezone: { type: 'string', description: 'IANA timezone for the clock attributes (default UTC)' },
    profile: { type: 'string', description: 'Profile to save the admin key in', default: 'default' },
  },
  async run({ args }) {
    const url = args.url ?? process.env.VERDICT_URL;
    const rootKey = args['root-key'] ?? process.env.VERDICT_ROOT_KEY;
    if (!url) throw usage('no server: pass --url or set VERDICT_URL');
    if (!rootKey)
      throw usage('no root key: pass --root-key or set VERDICT_ROOT_KEY (ROOT_API_KEY of the deployment)');
    const remote = resolveRemote({ url, apiKey: rootKey, workspace: args.id });
    const { data } = await call('creating the workspace', () =>
      remote.client.createWorkspace({
        name: args.name ?? args.id,
        ...(args.timezone ? { timezone: args.timezone } : {}),
      }),
    );
    const path = saveProfile(args.profile, {
      url: remote.url,
      apiKey: data.apiKey.key,
      workspace: data.workspace.id,
    });
    out(
      `${pc.green('✓')} workspace "${data.workspace.id}" created; its admin key is saved in profile "${args.profile}" (${path})`,
    );
  },
});

export const workspace = defineCommand({
  meta: { name: 'workspace', description: 'Workspaces: create one with the deployment’s root key' },
  subCommands: { create },
});
