import { Captures } from '../../components/captures';
import type { PatternCheck } from './use-pattern-test';

/** Under the pattern: does it compile (RE2's message when not). */
export function CompileStatus({ check }: { check: PatternCheck }) {
  switch (check.state) {
    case 'empty':
      return (
        <div className="field-hint">
          RE2 syntax; named groups as (?P&lt;name&gt;…) or (?&lt;name&gt;…).
        </div>
      );
    case 'checking':
      return (
        <div className="field-hint" aria-live="polite">
          checking…
        </div>
      );
    case 'valid':
      return (
        <div className="field-ok" data-testid="compile-ok" aria-live="polite">
          ✓ compiles
        </div>
      );
    case 'invalid':
      return (
        <div className="field-error" data-testid="compile-error" role="alert">
          {check.message}
        </div>
      );
    case 'failed':
      return (
        <div className="field-error" role="alert">
          Could not check the pattern: {check.error.message}
        </div>
      );
  }
}

/** Under the sample line: matched or not, and the captures. */
export function SampleResult({ check, sample }: { check: PatternCheck; sample: string }) {
  if (!sample) return <div className="field-hint">Paste a log line to see whether it matches.</div>;
  if (check.state !== 'valid') return <div className="field-hint">…</div>;
  const { matched, captures } = check.result;
  return (
    <div
      className={`sample-result ${matched ? 'matched' : 'unmatched'}`}
      data-testid="sample-result"
      aria-live="polite"
    >
      <strong>{matched ? '✓ matches' : '✗ no match'}</strong>
      {matched && <Captures captures={captures} />}
    </div>
  );
}
