import { useId, type ReactNode } from 'react';
import { fieldError } from './errors';

interface FieldProps {
  label: string;
  /** The API's name for the field: a 400 naming it is shown here. */
  name: string;
  error?: unknown;
  hint?: ReactNode;
  /** Shown under the control whatever the error (e.g. live feedback). */
  extra?: ReactNode;
  wide?: boolean;
  children: (props: {
    id: string;
    'aria-invalid': boolean;
    'aria-describedby'?: string;
  }) => ReactNode;
}

/** A labelled form control with its hint and its own error underneath. */
export function Field({ label, name, error, hint, extra, wide, children }: FieldProps) {
  const id = useId();
  const message = fieldError(error, name);
  const describedBy = message ? `${id}-error` : hint ? `${id}-hint` : undefined;
  return (
    <div
      className={`field${message ? ' field-invalid' : ''}${wide ? ' field-wide' : ''}`}
      data-field={name}
    >
      <label htmlFor={id}>{label}</label>
      {children({ id, 'aria-invalid': Boolean(message), 'aria-describedby': describedBy })}
      {message ? (
        <div className="field-error" id={`${id}-error`} role="alert">
          {message}
        </div>
      ) : (
        hint && (
          <div className="field-hint" id={`${id}-hint`}>
            {hint}
          </div>
        )
      )}
      {extra}
    </div>
  );
}
