import type { ReactNode } from 'react';
import { ApiError } from '../api/client';

/** The message of a 400 that names `field` (or a field inside it: `to[0]`), else undefined. */
export function fieldError(error: unknown, field: string): string | undefined {
  if (!(error instanceof ApiError) || !error.field) return undefined;
  const inside = error.field.startsWith(`${field}.`) || error.field.startsWith(`${field}[`);
  if (error.field !== field && !inside) return undefined;
  // The server says `channel.url: must be …`; under that very field the name is noise.
  const prefix = `${field}: `;
  return error.field === field && error.message.startsWith(prefix)
    ? error.message.slice(prefix.length)
    : error.message;
}

/** Whether the error belongs next to one of the form's fields rather than above it. */
export function isFieldError(error: unknown, fields: readonly string[]): boolean {
  return fields.some((f) => fieldError(error, f) !== undefined);
}

/** An error where it happened: the server's message, and its code for the curious. */
export function ErrorMessage({ error, children }: { error: unknown; children?: ReactNode }) {
  if (!error) return null;
  const message = error instanceof Error ? error.message : String(error);
  const code = error instanceof ApiError ? error.code : undefined;
  return (
    <div className="error-box" role="alert">
      {children}
      <span>{message}</span>
      {code && code !== 'NETWORK' && <code className="error-code">{code}</code>}
    </div>
  );
}

/** Form-level error: shown above the form only when no field shows it. */
export function FormError({ error, fields }: { error: unknown; fields: readonly string[] }) {
  if (!error || isFieldError(error, fields)) return null;
  return <ErrorMessage error={error} />;
}
