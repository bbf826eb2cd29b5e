/** `verdict pull`: write the workspace's providers, policies, permissions and route map out as files. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { defineCommand } from 'citty';
import pc from 'picocolors';
import { call, flagsOf, remoteArgs, resolveRemote } from '../connection';
import { note, out } from '../output';
import { withoutSchema } from '../plan';
import { CONFIG_FILE, loadProject } from '../project';
import { dirArg, projectConfig, writeSchemas } from './local';

const slug = (name: string) =>
  name
    .toLowerCase()
    .replace(/[^a-z0-9_.-]+/g, '-')
    .replace(/^-|-$/g, '') || 'provider';

export const pull = defineCommand({
  meta: {
    name: 'pull',
    description: 'Write the workspace’s providers, policies, permissions and route map out as files',
  },
  args: { ...dirArg, ...remoteArgs },
  async run({ args }) {
    const existing = projectConfig(args.dir);
    const root = existing?.root ?? join(process.cwd(), args.dir);
    const remote = resolveRemote(flagsOf(args), existing);
    const [providers, policies, bindings, workspace] = await call('reading the workspace', () =>
      Promise.all([
        remote.client.listAuthProviders(),
        remote.client.listPolicies(),
        remote.client.listPermissions(),
        remote.client.getWorkspace(),
      ]),
    );
    const sources = await call('reading policies', () =>
      Promise.all(policies.data.map((p) => remote.client.getPolicy(p.name))),
    );
    const project = existing ? loadProject(root).config : undefined;
    const folder = (key: 'policies' | 'providers', fallback: string) =>
      join(root, project?.[key] ?? fallback);
    const written: string[] = [];
    const write = (path: string, doc: unknown, schema?: string) => {
      mkdirSync(dirname(path), { recursive: true });
      const ref = relative(dirname(path), join(root, 'schemas', `${schema}.json`));
      const body = schema ? { $schema: ref.startsWith('.') ? ref : `./${ref}`, ...(doc as object) } : doc;
      writeFileSync(path, `${JSON.stringify(body, null, 2)}\n`);
      written.push(relative(root, path));
    };
    if (!existing) {
      write(
        join(root, CONFIG_FILE),
        {
          workspace: remote.workspace,
          url: remote.url,
          timezone: workspace.data.timezone,
          routes: 'routes.json',
        },
        'config',
      );
    }
    for (const p of providers.data) {
      const { id: _id, resolvedJwksUri: _r, keyFormat: _k, hasHsSecret, ...doc } = p;
      if (hasHsSecret)
        note(
          pc.yellow(
            `provider "${p.name}" has an HS secret, which the API never returns: add "hsSecret" to its file before pushing a change`,
          ),
        );
      write(join(folder('providers', 'providers'), `${slug(p.name)}.json`), doc, 'provider');
    }
    for (const p of sources)
      write(
        join(folder('policies', 'policies'), `${p.data.name}.json`),
        withoutSchema(p.data.source),
        'policy',
      );
    write(
      join(root, project?.permissions ?? 'permissions.json'),
      bindings.data.map(({ updatedAt: _, ...b }) => b),
    );
    const routesFile = project?.routes ?? (existing ? undefined : 'routes.json');
    if (routesFile) write(join(root, routesFile), workspace.data.routeMap);
    else if (workspace.data.routeMap.length > 0)
      note(
        pc.yellow('the workspace has a route map; name a file for it in verdict.json ("routes") to pull it'),
      );
    writeSchemas(root);
    out(`${pc.green('✓')} ${written.length} files from ${remote.workspace}: ${written.join(', ')}`);
  },
});
