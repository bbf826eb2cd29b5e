// README.md states who may call each route; this keeps that section equal to the one table
// the access check reads (src/http/access.ts). On a change, paste the expected block.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type Access, ROUTE_ACCESS } from '../../src/http/access';

const label = (a: Access): string => {
  switch (a.kind) {
    case 'public':
      return 'nothing (public)';
    case 'root':
      return 'the root key';
    case 'key':
      return a.scope === null ? 'any key of the workspace' : `a key with \`${a.scope}\``;
    case 'end-user':
      return "the end user's token";
    case 'end-user-or-pep':
      return `the end user's token, or a key with \`${a.pepScope}\``;
  }
};

/** The README block: one row per kind of caller, its routes in table order. */
function accessMarkdown(): string {
  const rows = new Map<string, string[]>();
  for (const [route, access] of Object.entries(ROUTE_ACCESS)) {
    const key = label(access);
    const list = rows.get(key) ?? [];
    list.push(`\`${route.replace(/^([A-Z]+) \/v1\/workspaces\/\{ws\}/, '$1 …')}\``);
    rows.set(key, list);
  }
  const lines = ['| who may call | routes (`…` is `/v1/workspaces/{ws}`) |', '|---|---|'];
  for (const [who, routes] of rows) lines.push(`| ${who} | ${routes.join(', ')} |`);
  return lines.join('\n');
}

describe('README → API keys and scopes', () => {
  it('states the access table as built', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const start = readme.indexOf('<!-- access-table -->');
    const end = readme.indexOf('<!-- /access-table -->');
    expect(start).toBeGreaterThan(0);
    expect(readme.slice(start + '<!-- access-table -->'.length, end).trim()).toBe(accessMarkdown());
  });
});
