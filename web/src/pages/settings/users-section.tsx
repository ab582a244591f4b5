import { useState, type FormEvent } from 'react';
import { authApi } from '../../api/auth';
import type { UserRecord } from '../../api/types';
import { ErrorMessage, FormError } from '../../components/errors';
import { Field } from '../../components/field';
import { Section } from '../../components/page';
import { RoleField } from './role-field';
import { Time } from '../../components/time';
import { useResource } from '../../hooks/use-resource';
import { useSession } from '../../shell/session';

function NewUserForm({ onCreated }: { onCreated: (u: UserRecord) => void }) {
  const [form, setForm] = useState({ username: '', password: '', role: 'viewer' });
  const [error, setError] = useState<unknown>();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(undefined);
    try {
      onCreated(await authApi.createUser(form));
      setForm({ username: '', password: '', role: 'viewer' });
    } catch (err) {
      setError(err);
    }
  };
  return (
    <form className="inline-form" onSubmit={submit} aria-label="Add a user">
      <FormError error={error} fields={['username', 'password', 'role']} />
      <Field label="Username" name="username" error={error}>
        {(p) => (
          <input
            {...p}
            required
            autoComplete="off"
            value={form.username}
            onChange={(e) => setForm({ ...form, username: e.target.value })}
          />
        )}
      </Field>
      <Field label="Password" name="password" error={error}>
        {(p) => (
          <input
            {...p}
            type="password"
            required
            autoComplete="new-password"
            value={form.password}
            onChange={(e) => setForm({ ...form, password: e.target.value })}
          />
        )}
      </Field>
      <RoleField value={form.role} onChange={(role) => setForm({ ...form, role })} error={error} />
      <button type="submit">Add user</button>
    </form>
  );
}

/** Who may sign in, with which role. */
export function UsersSection() {
  const { canEdit, user: me } = useSession();
  const users = useResource(() => authApi.users(), []);
  const [error, setError] = useState<unknown>();
  const replace = (u: UserRecord) =>
    users.setData(
      (page) => page && { ...page, items: page.items.map((x) => (x.id === u.id ? u : x)) },
    );
  const update = async (
    u: UserRecord,
    patch: { role?: string; disabled?: boolean; password?: string },
  ) => {
    setError(undefined);
    try {
      replace(await authApi.updateUser(u.id, patch));
    } catch (err) {
      setError(err);
    }
  };
  const resetPassword = (u: UserRecord) => {
    const password = window.prompt(`New password for ${u.username} (at least 10 characters):`);
    if (password) void update(u, { password });
  };
  return (
    <Section title="Users">
      <ErrorMessage error={users.error ?? error} />
      {users.data && (
        <div className="table-wrap">
          <table className="table" data-testid="users">
            <thead>
              <tr>
                <th>User</th>
                <th>Role</th>
                <th className="hide-narrow">Since</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {users.data.items.map((u) => (
                <tr key={u.id} className={u.disabled ? 'disabled' : undefined}>
                  <td>
                    {u.username}
                    {u.disabled && <span className="badge subtle">disabled</span>}
                  </td>
                  <td>
                    {canEdit && u.id !== me?.id ? (
                      <select
                        aria-label={`Role of ${u.username}`}
                        value={u.role}
                        onChange={(e) => void update(u, { role: e.target.value })}
                      >
                        <option value="viewer">viewer</option>
                        <option value="admin">admin</option>
                      </select>
                    ) : (
                      u.role
                    )}
                  </td>
                  <td className="hide-narrow">
                    <Time iso={u.created_at} />
                  </td>
                  <td className="row-actions">
                    {canEdit && u.id !== me?.id && (
                      <>
                        <button
                          type="button"
                          className="small"
                          onClick={() => void update(u, { disabled: !u.disabled })}
                        >
                          {u.disabled ? 'Enable' : 'Disable'}
                        </button>
                        <button type="button" className="small" onClick={() => resetPassword(u)}>
                          Set password
                        </button>
                      </>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {canEdit && users.data && (
        <NewUserForm
          onCreated={(u) => users.setData((page) => page && { ...page, items: [...page.items, u] })}
        />
      )}
    </Section>
  );
}
