import { Field } from '../../components/field';

/** The role of a new user or token: the same two choices, the same error placement. */
export function RoleField({
  value,
  onChange,
  error,
}: {
  value: string;
  onChange: (role: string) => void;
  error: unknown;
}) {
  return (
    <Field label="Role" name="role" error={error}>
      {(p) => (
        <select {...p} value={value} onChange={(e) => onChange(e.target.value)}>
          <option value="viewer">viewer</option>
          <option value="admin">admin</option>
        </select>
      )}
    </Field>
  );
}
