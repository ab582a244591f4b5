import { useState, type FormEvent } from 'react';
import { ApiError } from '../../api/client';
import { authApi } from '../../api/auth';
import { FormError } from '../../components/errors';
import { Field } from '../../components/field';
import { useSession } from '../../shell/session';

const DIFFER = new ApiError(400, 'LOCAL', 'The two passwords differ.', 'confirm');

/** Change your own password; every session of yours ends, this one too. */
export function PasswordForm() {
  const session = useSession();
  const [form, setForm] = useState({ current: '', next: '', confirm: '' });
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const mismatch = form.confirm !== '' && form.confirm !== form.next;
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (mismatch) return;
    setBusy(true);
    setError(undefined);
    try {
      await authApi.changePassword({ current_password: form.current, new_password: form.next });
      session.requireLogin('Password changed: sign in with the new one.');
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };
  return (
    <form className="form-grid narrow" onSubmit={submit} aria-label="Change password">
      <FormError error={error} fields={['current_password', 'new_password']} />
      <Field label="Current password" name="current_password" error={error}>
        {(p) => (
          <input
            {...p}
            type="password"
            autoComplete="current-password"
            required
            value={form.current}
            onChange={(e) => setForm({ ...form, current: e.target.value })}
          />
        )}
      </Field>
      <Field label="New password" name="new_password" error={error} hint="At least 10 characters.">
        {(p) => (
          <input
            {...p}
            type="password"
            autoComplete="new-password"
            required
            value={form.next}
            onChange={(e) => setForm({ ...form, next: e.target.value })}
          />
        )}
      </Field>
      <Field label="New password again" name="confirm" error={mismatch ? DIFFER : undefined}>
        {(p) => (
          <input
            {...p}
            type="password"
            autoComplete="new-password"
            required
            value={form.confirm}
            onChange={(e) => setForm({ ...form, confirm: e.target.value })}
          />
        )}
      </Field>
      <div className="form-actions">
        <button type="submit" disabled={busy || mismatch}>
          Change password
        </button>
      </div>
    </form>
  );
}
