import type { SupabaseClient } from '@supabase/supabase-js';
import { useState, type FormEvent } from 'react';
import type { DemoUser } from './config.ts';

interface Props {
  supabase: SupabaseClient;
  demoUsers: DemoUser[];
  /** Opened from an invite link. */
  joining: boolean;
}

export function SignIn({ supabase, demoUsers, joining }: Props) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(mode: 'in' | 'up', credentials = { email, password }) {
    setBusy(true);
    setError(null);
    const { error } =
      mode === 'in' ? await supabase.auth.signInWithPassword(credentials) : await supabase.auth.signUp(credentials);
    // On success onAuthStateChange swaps this page for the inbox.
    if (error) {
      setError(error.message);
      setBusy(false);
    }
  }

  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const submitter = (event.nativeEvent as SubmitEvent).submitter as HTMLButtonElement | null;
    void submit(submitter?.value === 'up' ? 'up' : 'in');
  };

  return (
    <main className="sign-in">
      <h1>Inbox</h1>
      {joining && <p>Sign in to join the conversation you were invited to.</p>}
      <form onSubmit={onSubmit}>
        <label>
          Email
          <input type="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
        </label>
        <label>
          Password
          <input type="password" autoComplete="current-password" required minLength={6} value={password}
            onChange={(e) => setPassword(e.target.value)} />
        </label>
        <div className="row">
          <button type="submit" value="in" disabled={busy}>Sign in</button>
          <button type="submit" value="up" disabled={busy}>Sign up</button>
        </div>
        {error && <p role="alert">{error}</p>}
      </form>
      {demoUsers.length > 0 && (
        <section aria-label="Demo accounts">
          <h2>Demo accounts</h2>
          <ul>
            {demoUsers.map((user) => (
              <li key={user.email}>
                <button type="button" disabled={busy} onClick={() => void submit('in', user)}>
                  Use {user.name ?? user.email}
                </button>
                <code>{user.email} / {user.password}</code>
              </li>
            ))}
          </ul>
        </section>
      )}
    </main>
  );
}
