import { useState, type FormEvent } from 'react';
import { authApi } from '../../api/auth';
import { ErrorMessage, FormError } from '../../components/errors';
import { ShownOnce } from '../../components/shown-once';
import { Field } from '../../components/field';
import { Section } from '../../components/page';
import { RoleField } from './role-field';
import { Time } from '../../components/time';
import { useResource } from '../../hooks/use-resource';
import { fromLocalInput } from '../events/filters';

/** API tokens for scripts and Prometheus (admins only). */
export function TokensSection() {
  const tokens = useResource(() => authApi.tokens(), []);
  const [form, setForm] = useState({ name: '', role: 'viewer', scope: 'full', expires: '' });
  const [error, setError] = useState<unknown>();
  const [created, setCreated] = useState<string | null>(null);

  const create = async (e: FormEvent) => {
    e.preventDefault();
    setError(undefined);
    try {
      const made = await authApi.createToken({
        name: form.name,
        role: form.role,
        scope: form.scope,
        expires_at: fromLocalInput(form.expires) ?? null,
      });
      setCreated(made.token);
      setForm({ name: '', role: 'viewer', scope: 'full', expires: '' });
      tokens.reload();
    } catch (err) {
      setError(err);
    }
  };
  const revoke = async (id: number) => {
    if (!window.confirm('Revoke this token? Whatever uses it stops working.')) return;
    setError(undefined);
    try {
      await authApi.revokeToken(id);
      tokens.reload();
    } catch (err) {
      setError(err);
    }
  };

  return (
    <Section title="API tokens">
      <ErrorMessage error={tokens.error} />
      {created && (
        <ShownOnce value={created} testId="new-token" onDone={() => setCreated(null)}>
          <strong>Copy the token now</strong>: it is not shown again.
        </ShownOnce>
      )}
      {tokens.data && tokens.data.items.length === 0 && <p className="empty">No tokens.</p>}
      {tokens.data && tokens.data.items.length > 0 && (
        <div className="table-wrap">
          <table className="table" data-testid="tokens">
            <thead>
              <tr>
                <th>Name</th>
                <th>Access</th>
                <th className="hide-narrow">Last used</th>
                <th className="hide-narrow">Expires</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {tokens.data.items.map((t) => (
                <tr key={t.id} className={t.revoked_at ? 'disabled' : undefined}>
                  <td>
                    {t.name} <code className="muted small">{t.prefix}…</code>
                  </td>
                  <td>
                    {t.role}
                    {t.scope === 'metrics' && ' · metrics only'}
                  </td>
                  <td className="hide-narrow">
                    <Time iso={t.last_used_at} />
                  </td>
                  <td className="hide-narrow">
                    {t.expires_at ? <Time iso={t.expires_at} /> : 'never'}
                  </td>
                  <td>
                    {t.revoked_at ? (
                      <span className="badge subtle">revoked</span>
                    ) : (
                      <button
                        type="button"
                        className="small danger"
                        onClick={() => void revoke(t.id)}
                      >
                        Revoke
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <form className="inline-form" onSubmit={create} aria-label="Create a token">
        <FormError error={error} fields={['name', 'role', 'scope', 'expires_at']} />
        <Field label="Name" name="name" error={error}>
          {(p) => (
            <input
              {...p}
              required
              value={form.name}
              onChange={(e) => setForm({ ...form, name: e.target.value })}
            />
          )}
        </Field>
        <RoleField
          value={form.role}
          onChange={(role) => setForm({ ...form, role })}
          error={error}
        />
        <Field label="Scope" name="scope" error={error}>
          {(p) => (
            <select
              {...p}
              value={form.scope}
              onChange={(e) => setForm({ ...form, scope: e.target.value })}
            >
              <option value="full">full API</option>
              <option value="metrics">/metrics only</option>
            </select>
          )}
        </Field>
        <Field label="Expires" name="expires_at" error={error}>
          {(p) => (
            <input
              {...p}
              type="datetime-local"
              value={form.expires}
              onChange={(e) => setForm({ ...form, expires: e.target.value })}
            />
          )}
        </Field>
        <button type="submit">Create token</button>
      </form>
    </Section>
  );
}
