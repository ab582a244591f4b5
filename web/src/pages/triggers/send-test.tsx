import { useState } from 'react';
import { triggersApi, type TestOutcome } from '../../api/triggers';
import { ErrorMessage } from '../../components/errors';

/**
 * Sends a test notification (the real payload, marked test) through the saved trigger
 * and shows how it went. A test send is not a delivery: it is not stored.
 */
export function SendTest({ triggerId, disabled }: { triggerId: number; disabled?: boolean }) {
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<TestOutcome | null>(null);
  const [error, setError] = useState<unknown>();
  const send = async () => {
    setBusy(true);
    setOutcome(null);
    setError(undefined);
    try {
      setOutcome(await triggersApi.test(triggerId));
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
          {outcome.status_code !== null && ` · answered ${outcome.status_code}`}
          {` · ${Math.round(outcome.latency_ms)} ms`}
          {outcome.error && ` · ${outcome.error}`}
        </span>
      )}
      <ErrorMessage error={error} />
    </div>
  );
}
