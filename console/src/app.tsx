/**
 * The console shell: sign-in, the navigation (only what the key's scopes allow), and the
 * page for the current route. Pages receive the session; the server enforces every scope.
 */
import type { FunctionComponent } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { AuditPage } from './pages/audit';
import { ImpactPage } from './pages/impact';
import { KeysPage } from './pages/keys';
import { PermissionsPage } from './pages/permissions';
import { PlaygroundPage } from './pages/playground';
import { PoliciesPage } from './pages/policies';
import { ProvidersPage } from './pages/providers';
import { RecordsPage } from './pages/records';
import { RevocationsPage } from './pages/revocations';
import { SignIn } from './pages/sign-in';
import { href, type Route, useRoute } from './router';
import { can, resume, type Scope, type Session, signOut } from './session';
import { Loading } from './ui';

export type PageProps = { session: Session; arg: string | undefined };

type Page = { id: string; title: string; scope: Scope | null; view: FunctionComponent<PageProps> };

/** Each page and the scope it needs to be offered (null: any key). */
export const PAGES: Page[] = [
  { id: 'providers', title: 'Providers', scope: 'providers:read', view: ProvidersPage },
  { id: 'policies', title: 'Policies', scope: 'policies:read', view: PoliciesPage },
  { id: 'permissions', title: 'Permissions & routes', scope: 'policies:read', view: PermissionsPage },
  { id: 'playground', title: 'Playground', scope: 'policies:read', view: PlaygroundPage },
  { id: 'audit', title: 'Audit', scope: 'audit:read', view: AuditPage },
  { id: 'impact', title: 'Impact & shadow', scope: 'audit:read', view: ImpactPage },
  { id: 'records', title: 'Records', scope: null, view: RecordsPage },
  { id: 'keys', title: 'API keys', scope: 'keys:write', view: KeysPage },
  { id: 'revocations', title: 'Revocations', scope: 'revocations:write', view: RevocationsPage },
];

export function App() {
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  const route = useRoute();

  useEffect(() => {
    resume().then(setSession);
  }, []);

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
  const pages = PAGES.filter((p) => p.scope === null || can(session, p.scope));
  const current = pages.find((p) => p.id === route.page) ?? pages[0];
  const View = current?.view;

  useEffect(() => {
    document.title = `${current?.title ?? 'Console'} · ${session.whoami.workspace.name} · Verdict`;
  }, [current, session]);

  return (
    <div class="shell">
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
        {View ? (
          <View key={current.id} session={session} arg={route.arg} />
        ) : (
          <p>This key can sign in but carries no scope the console can use.</p>
        )}
      </main>
    </div>
  );
}
