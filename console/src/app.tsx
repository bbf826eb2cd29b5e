/**
 * The console shell: sign-in, the navigation (only what the key's scopes allow), and the
 * page for the current route. Pages receive the session; the server enforces every scope.
 */
import type { FunctionComponent } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { PageProps } from './page';
import { SignIn } from './pages/sign-in';
import { toProblem } from './problem';
import { href, type Route, useRoute } from './router';
import { can, resume, type Scope, type Session, signOut } from './session';
import { Loading, ProblemBox } from './ui';

type View = FunctionComponent<PageProps>;
type Page = { id: string; title: string; scopes: Scope[]; load: () => Promise<View> };

/**
 * Each page, the scopes it needs to be offered (none: any key), and its module. Pages load
 * on first visit (their own chunks): the sign-in and the shell do not download the editor
 * (CodeMirror) or the charts (Chart.js) until a page that uses them opens.
 */
export const PAGES: Page[] = [
  {
    id: 'providers',
    title: 'Providers',
    scopes: ['providers:read'],
    load: () => import('./pages/providers').then((m) => m.ProvidersPage),
  },
  {
    id: 'policies',
    title: 'Policies',
    scopes: ['policies:read'],
    load: () => import('./pages/policies').then((m) => m.PoliciesPage),
  },
  {
    id: 'permissions',
    title: 'Permissions & routes',
    scopes: ['policies:read'],
    load: () => import('./pages/permissions').then((m) => m.PermissionsPage),
  },
  {
    id: 'playground',
    title: 'Playground',
    scopes: ['policies:read'],
    load: () => import('./pages/playground').then((m) => m.PlaygroundPage),
  },
  {
    id: 'audit',
    title: 'Audit',
    scopes: ['audit:read'],
    load: () => import('./pages/audit').then((m) => m.AuditPage),
  },
  {
    id: 'impact',
    title: 'Impact & shadow',
    scopes: ['audit:read', 'policies:read'],
    load: () => import('./pages/impact').then((m) => m.ImpactPage),
  },
  {
    id: 'records',
    title: 'Records',
    scopes: [],
    load: () => import('./pages/records').then((m) => m.RecordsPage),
  },
  {
    id: 'keys',
    title: 'API keys',
    scopes: ['keys:write'],
    load: () => import('./pages/keys').then((m) => m.KeysPage),
  },
  {
    id: 'revocations',
    title: 'Revocations',
    scopes: ['revocations:write'],
    load: () => import('./pages/revocations').then((m) => m.RevocationsPage),
  },
];

/** A page's module, loaded once (the loaded views are kept for the session's lifetime). */
const loaded = new Map<string, View>();
function usePage(page: Page | undefined): { view?: View; error?: unknown } {
  const [state, setState] = useState<{ id?: string; view?: View; error?: unknown }>({});
  useEffect(() => {
    if (!page) return;
    const hit = loaded.get(page.id);
    if (hit) return setState({ id: page.id, view: hit });
    setState({ id: page.id });
    page.load().then(
      (view) => {
        loaded.set(page.id, view);
        setState((s) => (s.id === page.id ? { id: page.id, view } : s));
      },
      (error) => setState((s) => (s.id === page.id ? { id: page.id, error } : s)),
    );
  }, [page]);
  const hit = page ? loaded.get(page.id) : undefined;
  if (hit) return { view: hit };
  return state.id === page?.id ? state : {};
}

export function App() {
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  const route = useRoute();

  const [resumeError, setResumeError] = useState<unknown>();
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    setResumeError(undefined);
    resume().then(setSession, setResumeError);
  }, [attempt]);

  if (resumeError)
    return (
      <main class="sign-in">
        <ProblemBox problem={toProblem(resumeError)} />
        <button type="button" onClick={() => setAttempt((n) => n + 1)}>
          Retry
        </button>
      </main>
    );
  if (session === undefined) return <Loading what="Opening the console" />;
  if (session === null) return <SignIn onSignedIn={setSession} />;
  return (
    <Shell
      session={session}
      route={route}
      onSignOut={() => {
        signOut();
        setSession(null);
      }}
    />
  );
}

function Shell({ session, route, onSignOut }: { session: Session; route: Route; onSignOut: () => void }) {
  const pages = PAGES.filter((p) => p.scopes.every((scope) => can(session, scope)));
  const current = pages.find((p) => p.id === route.page) ?? pages[0];
  const { view: View, error } = usePage(current);

  useEffect(() => {
    document.title = `${current?.title ?? 'Console'} · ${session.whoami.workspace.name} · Verdict`;
  }, [current, session]);

  return (
    <div class="shell">
      {/* An in-page anchor: the router ignores hashes that are not routes (#/…). */}
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <span class="brand">Verdict</span>
        <span class="ws" title={session.whoami.workspace.id}>
          {session.whoami.workspace.name}
        </span>
        <span class="key muted">
          key <code>{session.whoami.key.prefix}…</code> ({session.whoami.key.scopes.join(', ')})
        </span>
        <button type="button" class="secondary" onClick={onSignOut}>
          Sign out
        </button>
      </header>
      <nav class="side" aria-label="Console">
        <ul>
          {pages.map((p) => (
            <li key={p.id}>
              <a href={href(p.id)} aria-current={p.id === current?.id ? 'page' : undefined}>
                {p.title}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" tabIndex={-1}>
        {!current ? (
          <p>This key can sign in but carries no scope the console can use.</p>
        ) : error ? (
          <ProblemBox problem={toProblem(error)} />
        ) : View ? (
          <View key={current.id} session={session} arg={route.arg} />
        ) : (
          <Loading />
        )}
      </main>
    </div>
  );
}
