/**
 * Hash routes (#/policies/order_approval): the Worker serves one page at /console, so
 * every view is reachable, bookmarkable and reloadable without server-side fallbacks.
 * Nothing secret ever goes into a route.
 */
import { useEffect, useState } from 'preact/hooks';

export type Route = { page: string; arg: string | undefined };

export function parseRoute(hash: string): Route {
  const [page = '', arg] = hash.replace(/^#\/?/, '').split('/', 2);
  let decoded: string | undefined;
  try {
    decoded = arg ? decodeURIComponent(arg) : undefined;
  } catch {
    decoded = undefined; // a malformed escape names nothing
  }
  return { page: page || 'home', arg: decoded };
}

/** Route hashes start with #/; others (#main, the skip link's target) are in-page anchors. */
const isRoute = (hash: string) => hash === '' || hash.startsWith('#/');

export const href = (page: string, arg?: string) =>
  `#/${page}${arg === undefined ? '' : `/${encodeURIComponent(arg)}`}`;

export function navigate(page: string, arg?: string) {
  window.location.hash = href(page, arg);
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    const on = () => {
      if (isRoute(window.location.hash)) setRoute(parseRoute(window.location.hash));
    };
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return route;
}
