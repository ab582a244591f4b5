import { useEffect, useMemo, useState } from 'react';
import { ApiError } from '../../api/client';
import { rulesApi } from '../../api/rules';
import type { RuleTestResult } from '../../api/types';
import { useDebounced } from '../../hooks/use-debounced';

export type PatternCheck =
  | { state: 'empty' }
  | { state: 'checking' }
  | { state: 'valid'; result: RuleTestResult }
  | { state: 'invalid'; message: string }
  | { state: 'failed'; error: Error };

/**
 * Asks the server (RE2, the same compiler the scanner uses) whether the pattern compiles
 * and what it makes of the sample line, shortly after the typing stops.
 */
export function usePatternTest(pattern: string, sample: string, delayMs = 250): PatternCheck {
  // A string, so the debounce compares by value.
  const key = useDebounced(JSON.stringify([pattern, sample]), delayMs);
  const settled = useMemo(() => {
    const [p, s] = JSON.parse(key) as [string, string];
    return { pattern: p, sample: s };
  }, [key]);
  const [check, setCheck] = useState<PatternCheck>({ state: 'empty' });
  useEffect(() => {
    if (!settled.pattern) {
      setCheck({ state: 'empty' });
      return;
    }
    const controller = new AbortController();
    setCheck({ state: 'checking' });
    rulesApi
      .test({ pattern: settled.pattern, sample_line: settled.sample }, controller.signal)
      .then(
        (result) => setCheck({ state: 'valid', result }),
        (err: Error) => {
          if (controller.signal.aborted) return;
          if (err instanceof ApiError && err.status === 400)
            setCheck({ state: 'invalid', message: err.message });
          else setCheck({ state: 'failed', error: err });
        },
      );
    return () => controller.abort();
  }, [settled]);
  // The result of an older pattern is not shown as the current one's.
  if ((pattern !== settled.pattern || sample !== settled.sample) && pattern)
    return { state: 'checking' };
  return check;
}
