/**
 * Forward-auth route maps: `{ method, path, resource, action }` entries where `path`
 * is a pattern with `:name` parameters and an optional trailing `*`. The first entry
 * that matches the method and path wins; its parameters become the decision context.
 * Pure; patterns are matched segment by segment (no regex built from user input).
 */
import type { RouteMapEntry } from '../storage/workspaces';

export type RouteMatch = { resource: string; action: string; params: Record<string, string> };

function matchPath(pattern: string, path: string): Record<string, string> | undefined {
  const want = pattern.split('/').filter(Boolean);
  const got = path.split('/').filter(Boolean);
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i] as string;
    if (w === '*' && i === want.length - 1) return params;
    const g = got[i];
    if (g === undefined) return undefined;
    if (w.startsWith(':')) {
      try {
        params[w.slice(1)] = decodeURIComponent(g);
      } catch {
        return undefined;
      }
    } else if (w !== g) {
      return undefined;
    }
  }
  return got.length === want.length ? params : undefined;
}

export function matchRoute(
  routes: readonly RouteMapEntry[],
  method: string,
  uri: string,
): RouteMatch | undefined {
  const path = uri.split('?')[0] ?? '/';
  const m = method.toUpperCase();
  for (const r of routes) {
    if (r.method !== '*' && r.method !== m) continue;
    const params = matchPath(r.path, path);
    if (params) return { resource: r.resource, action: r.action, params };
  }
  return undefined;
}
