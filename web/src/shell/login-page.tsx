import { useState, type FormEvent } from 'react';
import { authApi } from '../api/auth';
import { ErrorMessage } from '../components/errors';
import { Field } from '../components/field';
import { useSession } from './session';

export function LoginPage({
  expired,
  username: initial,
  notice,
}: {
  expired?: boolean;
  username?: string;
  notice?: string;
}) {
  const session = useSession();
  const [username, setUsername] = useState(initial ?? '');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await authApi.login({ username, password });
      // What the session may do (read logs…) is the principal's, not the user record's.
      session.signedIn((await authApi.me()).user);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  return (
    <main className="auth-page">
      <form className="auth-card" onSubmit={submit} aria-labelledby="login-title">
        <div className="brand brand-large">Logwarden</div>
        <h1 id="login-title">Sign in</h1>
        {notice && <p className="notice">{notice}</p>}
        {expired && !error && <p className="notice">Your session ended: sign in again.</p>}
        <ErrorMessage error={error} />
        <Field label="Username" name="username" error={error}>
          {(p) => (
            <input
              {...p}
              name="username"
              autoComplete="username"
              autoFocus={!initial}
              required
              value={username}
              onChange={(e) => setUsername(e.target.value)}
            />
          )}
        </Field>
        <Field label="Password" name="password" error={error}>
          {(p) => (
            <input
              {...p}
              name="password"
              type="password"
              autoComplete="current-password"
              autoFocus={Boolean(initial)}
              required
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
          )}
        </Field>
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
