import { useState, type ReactNode } from 'react';

/** A credential the server shows only once (a new API token, a generated signing secret). */
export function ShownOnce({
  value,
  testId,
  onDone,
  children,
}: {
  value: string;
  testId: string;
  onDone: () => void;
  /** What it is and where it goes. */
  children: ReactNode;
}) {
  const [copied, setCopied] = useState(false);
  return (
    <div className="token-once" role="status">
      <p>{children}</p>
      <code className="token-value" data-testid={testId}>
        {value}
      </code>
      <div className="row-actions">
        <button
          type="button"
          className="small"
          onClick={() =>
            void navigator.clipboard?.writeText(value).then(
              () => setCopied(true),
              () => setCopied(false),
            )
          }
        >
          {copied ? 'Copied' : 'Copy'}
        </button>
        <button type="button" className="small link-button" onClick={onDone}>
          Done
        </button>
      </div>
    </div>
  );
}
