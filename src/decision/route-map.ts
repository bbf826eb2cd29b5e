/**
 * Gateway route maps: `{ method, path, resource, action }` entries where `path` is a
 * pattern of literal segments, `:name` parameters and an optional trailing `*`. The
 * first entry that matches the method and the canonical path (canonical-path.ts) wins;
 * its parameters become the decision context. Pure; patterns are matched segment by
 * segment (no regex built from user input).
 *
 * Matching rules, the same for every adapter:
 * - literal segments compare ASCII-case-insensitively (many upstream routers ignore
 *   case, so `/api/ADMIN` must not slip past a rule for `/api/admin`);
 * - segments are exact otherwise: a trailing slash is an extra (empty) segment, so
 *   `/orders/` is not `/orders` (a trailing `*` matches it);
 * - HEAD matches entries declared for GET (upstream servers answer HEAD with the GET
 *   handler); methods are case-insensitive tokens; method-override headers are never read.
 */
import { type CanonicalPath, canonicalPath } from './canonical-path';

/** A route-map entry as stored (storage/workspaces.ts holds its structural schema). */
export type RouteEntry = { method: string; path: string; resource: string; action: string };

export type RouteMatch = { resource: string; action: string; params: Record<string, string> };

type Part = { kind: 'literal'; lower: string } | { kind: 'param'; name: string } | { kind: 'rest' };
type CompiledRoute = { method: string; parts: Part[]; resource: string; action: string };

const METHOD = /^[A-Za-z]{1,16}$/;

/** Why a route pattern is not accepted, or undefined when it is. Used when route maps are written. */
export function routePatternProblem(pattern: string): string | undefined {
  if (pattern.includes('?') || pattern.includes('#')) return 'a route pattern has no query or fragment';
  const canonical = canonicalPath(pattern);
  if (!canonical.ok) return `the pattern is refused: ${canonical.detail}`;
  const raw = pattern.slice(1).split('/');
  if (raw.some((s) => s === '.' || s === '..')) return 'a route pattern has no "." or ".." segments';
  const starAt = raw.indexOf('*');
  if (starAt >= 0 && starAt !== raw.length - 1) return '"*" may only be the last segment';
  for (const s of raw) {
    if (s.startsWith(':') && !/^:[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(s))
      return `"${s}" is not a parameter name (:letters, digits, _)`;
  }
  return undefined;
}

function compilePattern(pattern: string): Part[] {
  const canonical = canonicalPath(pattern);
  // Stored patterns were checked on write; one that no longer parses matches nothing.
  if (!canonical.ok) return [{ kind: 'literal', lower: '\u0000' }];
  return canonical.segments.map((s, i, all): Part => {
    if (s === '*' && i === all.length - 1) return { kind: 'rest' };
    if (s.startsWith(':')) return { kind: 'param', name: s.slice(1) };
    return { kind: 'literal', lower: s.toLowerCase() };
  });
}

/** Compiled once per route-map array (a snapshot's route map is immutable). */
const compiled = new WeakMap<readonly RouteEntry[], CompiledRoute[]>();

function compileRoutes(routes: readonly RouteEntry[]): CompiledRoute[] {
  let hit = compiled.get(routes);
  if (!hit) {
    hit = routes.map((r) => ({
      method: r.method.toUpperCase(),
      parts: compilePattern(r.path),
      resource: r.resource,
      action: r.action,
    }));
    compiled.set(routes, hit);
  }
  return hit;
}

function matchParts(parts: readonly Part[], segments: readonly string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] as Part;
    if (part.kind === 'rest') return params;
    const seg = segments[i];
    if (seg === undefined) return undefined;
    if (part.kind === 'param') {
      if (seg === '') return undefined;
      // Canonical segments are valid UTF-8 percent-encodings, so this cannot throw.
      params[part.name] = decodeURIComponent(seg);
    } else if (part.lower !== seg.toLowerCase()) {
      return undefined;
    }
  }
  return segments.length === parts.length ? params : undefined;
}

export type RouteResolution =
  | { ok: true; match: RouteMatch | undefined; path: string; method: string }
  | { ok: false; refusal: string; detail: string };

/**
 * Resolves a gateway's original request (method, raw request target) to a route-map
 * entry. Refuses targets and methods servers disagree on; `match` is undefined when no
 * entry applies (the caller denies: no_route).
 */
export function resolveRoute(routes: readonly RouteEntry[], method: string, target: string): RouteResolution {
  if (!METHOD.test(method))
    return { ok: false, refusal: 'method_refused', detail: 'not an HTTP method token' };
  const canonical: CanonicalPath = canonicalPath(target);
  if (!canonical.ok) return { ok: false, refusal: canonical.refusal, detail: canonical.detail };
  const m = method.toUpperCase();
  for (const r of compileRoutes(routes)) {
    if (r.method !== '*' && r.method !== m && !(m === 'HEAD' && r.method === 'GET')) continue;
    const params = matchParts(r.parts, canonical.segments);
    if (params)
      return {
        ok: true,
        match: { resource: r.resource, action: r.action, params },
        path: canonical.path,
        method: m,
      };
  }
  return { ok: true, match: undefined, path: canonical.path, method: m };
}
