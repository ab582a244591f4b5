import { useState } from 'react';
import { triggersApi, type TestOutcome } from '../../api/triggers';
import { ErrorMessage } from '../../components/errors';

/** Sends a test notification through the saved trigger and shows how it went. */
export function SendTest({
  triggerId,
  onSent,
  disabled,
}: {
  triggerId: number;
  onSent: () => void;
  disabled?: boolean;
}) {
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<TestOutcome | null>(null);
  const [error, setError] = useState<unknown>();
  const send = async () => {
    setBusy(true);
    setOutcome(null);
    setError(undefined);
    try {
      setOutcome(await triggersApi.test(triggerId));
      onSent();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="send-test">
      <button type="button" onClick={() => void send()} disabled={busy || disabled}>
        {busy ? 'Sending…' : 'Send test'}
      </button>
      {outcome && (
        <span
          className={`test-outcome ${outcome.ok ? 'ok' : 'bad'}`}
          role="status"
          data-testid="test-outcome"
        >
          {outcome.ok ? '✓ delivered' : '✗ failed'}
          {outcome.status !== null && ` · HTTP ${outcome.status}`}
          {outcome.latency_ms !== null && ` · ${Math.round(outcome.latency_ms)} ms`}
          {outcome.error && ` · ${outcome.error}`}
        </span>
      )}
      <ErrorMessage error={error} />
    </div>
  );
}
