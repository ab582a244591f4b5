import { useCallback, useState } from 'react';

/** The stored value when it is one of `allowed`; storage can be off (private mode, policy). */
function read<T extends string>(key: string, allowed: readonly T[], fallback: T): T {
  try {
    const value = window.localStorage.getItem(key);
    return allowed.includes(value as T) ? (value as T) : fallback;
  } catch {
    return fallback;
  }
}

/** A display choice kept in this browser (localStorage) across visits. */
export function useStoredChoice<T extends string>(
  key: string,
  allowed: readonly T[],
  fallback: T,
): [T, (next: T) => void] {
  const [value, setValue] = useState<T>(() => read(key, allowed, fallback));
  const set = useCallback(
    (next: T) => {
      setValue(next);
      try {
        window.localStorage.setItem(key, next);
      } catch {
        // Not kept: the choice still holds on this page.
      }
    },
    [key],
  );
  return [value, set];
}
