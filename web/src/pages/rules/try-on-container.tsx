import { useState } from 'react';
import { inventoryApi } from '../../api/inventory';
import { ErrorMessage } from '../../components/errors';
import { Captures } from '../../components/captures';
import { useResource } from '../../hooks/use-resource';
import { runningFirst } from '../../inventory/live-index';
import { tryPatternOnLines, type TriedLine } from './try-pattern';
import { readLastLines } from './read-last-lines';

const LINE_CHOICES = [50, 100, 200];

/** "Would this rule have caught it?": the pattern against a container's last lines. */
export function TryOnContainer({ pattern }: { pattern: string }) {
  const containers = useResource(() => inventoryApi.containers(), []);
  const [containerId, setContainerId] = useState('');
  const [count, setCount] = useState(100);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [result, setResult] = useState<{ lines: number; matched: TriedLine[] } | null>(null);

  const run = async () => {
    if (!containerId || !pattern) return;
    setBusy(true);
    setError(undefined);
    setResult(null);
    try {
      const lines = await readLastLines(containerId, count);
      const tried = await tryPatternOnLines(pattern, lines);
      setResult({ lines: lines.length, matched: tried.filter((t) => t.matched) });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const items = containers.data?.items ?? [];
  return (
    <div className="try-on" data-testid="try-on-container">
      <div className="inline-form">
        <label>
          <span>Container</span>
          <select
            value={containerId}
            onChange={(e) => setContainerId(e.target.value)}
            name="try-container"
          >
            <option value="">choose…</option>
            {/* Running first; a gone container's log went with it. */}
            {runningFirst(items)
              .filter((c) => c.logs_available && c.state !== 'missing')
              .map((c) => (
                <option key={c.id} value={c.id}>
                  {c.name} ({c.state})
                </option>
              ))}
          </select>
        </label>
        <label>
          <span>Last</span>
          <select value={count} onChange={(e) => setCount(Number(e.target.value))}>
            {LINE_CHOICES.map((n) => (
              <option key={n} value={n}>
                {n} lines
              </option>
            ))}
          </select>
        </label>
        <button
          type="button"
          onClick={() => void run()}
          disabled={busy || !containerId || !pattern}
        >
          {busy ? 'Trying…' : 'Try on this container'}
        </button>
      </div>
      <ErrorMessage error={error ?? containers.error} />
      {result && (
        <div className="try-result">
          <p>
            <strong>{result.matched.length}</strong> of {result.lines} lines would have matched.
          </p>
          <ul className="plain-list">
            {result.matched.map((t, i) => (
              <li key={i} className="try-line">
                <code>{t.line}</code>
                <Captures captures={t.captures} />
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}
