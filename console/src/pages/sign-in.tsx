/**
 * Sign-in with a workspace API key. The form never submits (no URL, no history entry);
 * the key is checked with GET /whoami and kept in this tab's sessionStorage only.
 */
import { useState } from 'preact/hooks';
import { type Session, signIn } from '../session';
import { InputField, ProblemBox, useAction } from '../ui';

export function SignIn({ onSignedIn }: { onSignedIn: (s: Session) => void }) {
  const [workspaceId, setWorkspaceId] = useState('');
  const [apiKey, setApiKey] = useState('');
  const action = useAction();
  return (
    <main class="sign-in">
      <h1>Verdict console</h1>
      <p class="muted">
        Sign in with a workspace API key. It stays in this tab and is forgotten on sign-out.
      </p>
      <form
        method="post"
        action="#"
        onSubmit={async (e) => {
          e.preventDefault();
          const session = await action.run(() =>
            signIn({ workspaceId: workspaceId.trim(), apiKey: apiKey.trim() }),
          );
          if (session) {
            setApiKey('');
            onSignedIn(session);
          }
        }}
      >
        <InputField
          label="Workspace"
          name="workspace"
          required
          autoComplete="off"
          value={workspaceId}
          onValue={setWorkspaceId}
        />
        <InputField
          label="API key"
          name="key"
          type="password"
          required
          autoComplete="off"
          value={apiKey}
          onValue={setApiKey}
        />
        <ProblemBox problem={action.error} />
        <button type="submit" disabled={action.busy}>
          {action.busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
