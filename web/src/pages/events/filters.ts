import type { EventFilter } from '../../api/events';
import { EVENT_SOURCES, SEVERITIES, type EventSource, type Severity } from '../../api/types';

const KEYS = [
  'severity',
  'source',
  'workload',
  'container',
  'rule',
  'host',
  'q',
  'since',
  'until',
] as const;

/** The events page's filters live in the URL, so a filtered view can be shared and reloaded. */
export function filterFromParams(params: URLSearchParams): EventFilter {
  const filter: EventFilter = {};
  for (const key of KEYS) {
    const value = params.get(key)?.trim();
    if (!value) continue;
    if (key === 'severity') {
      if ((SEVERITIES as readonly string[]).includes(value)) filter.severity = value as Severity;
    } else if (key === 'source') {
      if ((EVENT_SOURCES as readonly string[]).includes(value))
        filter.source = value as EventSource;
    } else if (key === 'rule') {
      // Rules are filtered by id (the API refuses anything else).
      if (/^\d+$/.test(value)) filter.rule = value;
    } else {
      filter[key] = value;
    }
  }
  return filter;
}

export function paramsFromFilter(filter: EventFilter): URLSearchParams {
  const params = new URLSearchParams();
  for (const key of KEYS) {
    const value = filter[key];
    if (value) params.set(key, value);
  }
  return params;
}

/** A stable key for a filter: the feed starts over when it changes. */
export function filterKey(filter: EventFilter): string {
  return paramsFromFilter(filter).toString();
}

/** ISO 8601 → the value of an `<input type="datetime-local">` (local time, minutes). */
export function toLocalInput(iso: string | undefined): string {
  if (!iso) return '';
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return '';
  const local = new Date(at.getTime() - at.getTimezoneOffset() * 60_000);
  return local.toISOString().slice(0, 16);
}

/** `<input type="datetime-local">` value (local time) → ISO 8601; empty stays empty. */
export function fromLocalInput(value: string): string | undefined {
  if (!value) return undefined;
  const at = new Date(value);
  return Number.isNaN(at.getTime()) ? undefined : at.toISOString();
}
