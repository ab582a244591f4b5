import { useState, type FormEvent } from 'react';
import { ApiError } from '../api/client';
import { authApi } from '../api/auth';
import { FormError } from '../components/errors';
import { Field } from '../components/field';
import { useSession } from './session';

const FIELDS = ['token', 'username', 'password'] as const;
const PASSWORDS_DIFFER = new ApiError(400, 'LOCAL', 'The two passwords differ.', 'confirm');

/** First run: claim the install with the one-time token and create the first admin. */
export function SetupPage() {
  const session = useSession();
  const [form, setForm] = useState({ token: '', username: 'admin', password: '', confirm: '' });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const mismatch = form.confirm !== '' && form.confirm !== form.password;

  const set = (key: keyof typeof form) => (e: { target: { value: string } }) =>
    setForm((f) => ({ ...f, [key]: e.target.value }));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (mismatch) return;
    setBusy(true);
    setError(undefined);
    try {
      await authApi.setup({
        token: form.token.trim(),
        username: form.username,
        password: form.password,
      });
      session.setUp(form.username);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  return (
    <main className="auth-page">
      <form className="auth-card" onSubmit={submit} aria-labelledby="setup-title">
        <div className="brand brand-large">Logwarden</div>
        <h1 id="setup-title">First-run setup</h1>
        <p className="muted">
          Create the first admin. The setup token is printed in Logwarden&apos;s log at start and
          written to <code>setup-token</code> in its data directory.
        </p>
        <FormError error={error} fields={FIELDS} />
        <Field label="Setup token" name="token" error={error}>
          {(p) => (
            <input
              {...p}
              name="token"
              autoComplete="off"
              required
              autoFocus
              value={form.token}
              onChange={set('token')}
            />
          )}
        </Field>
        <Field label="Admin username" name="username" error={error}>
          {(p) => (
            <input
              {...p}
              name="username"
              autoComplete="username"
              required
              value={form.username}
              onChange={set('username')}
            />
          )}
        </Field>
        <Field label="Password" name="password" error={error} hint="At least 10 characters.">
          {(p) => (
            <input
              {...p}
              name="password"
              type="password"
              autoComplete="new-password"
              required
              minLength={10}
              value={form.password}
              onChange={set('password')}
            />
          )}
        </Field>
        <Field
          label="Password again"
          name="confirm"
          error={mismatch ? PASSWORDS_DIFFER : undefined}
        >
          {(p) => (
            <input
              {...p}
              name="confirm"
              type="password"
              autoComplete="new-password"
              required
              value={form.confirm}
              onChange={set('confirm')}
            />
          )}
        </Field>
        <button type="submit" className="primary" disabled={busy || mismatch}>
          {busy ? 'Creating…' : 'Create admin'}
        </button>
      </form>
    </main>
  );
}
