import { PLACEHOLDER } from './model.js';

/** `https://hooks.example.net/********`: where a URL goes, without its path and query. */
export function redactedUrl(raw: string): string {
  try {
    return `${new URL(raw).origin}/${PLACEHOLDER}`;
  } catch {
    return PLACEHOLDER;
  }
}

/** Whether a URL sent is the redacted form of one (its path is the placeholder). */
export function isRedactedUrl(raw: string): boolean {
  try {
    const url = new URL(raw);
    return url.pathname === `/${PLACEHOLDER}` && url.search === '' && url.hash === '';
  } catch {
    return false;
  }
}

/** What redactedUrl hides (path, query, fragment), or null when that is nothing. */
export function urlCredential(raw: string): string | null {
  try {
    const url = new URL(raw);
    const hidden = url.pathname + url.search + url.hash;
    return hidden === '/' || hidden === '' ? null : hidden;
  } catch {
    return null;
  }
}
