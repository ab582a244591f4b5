import { parseTimestampNanos } from '../docker/index.js';
import { AppError } from '../errors.js';
import { searchFilter } from '../rules/index.js';
import { parseLevels } from './log-level.js';
import { DEFAULT_SEARCH_LIMIT, MAX_SEARCH_LIMIT } from './model.js';
import type { SearchQuery } from './search.js';

/** A search as the API takes it (query parameters, already typed). */
export interface SearchInput {
  since?: string;
  until?: string;
  q?: string;
  regex?: boolean;
  stream?: 'stdout' | 'stderr';
  level?: string;
  limit?: number;
  tail?: number;
  /** Downloads (text, JSONL) default to the largest limit rather than a page. */
  whole?: boolean;
}

const UNIX_SECONDS = /^(\d{1,12})(?:\.(\d{1,9}))?$/;

/** RFC3339(Nano) or unix seconds with up to nine decimals, as nanoseconds; names `field`. */
export function parseInstant(field: string, text: string): bigint {
  const unix = UNIX_SECONDS.exec(text);
  if (unix) return BigInt(unix[1]!) * 1_000_000_000n + BigInt((unix[2] ?? '').padEnd(9, '0'));
  const nanos = parseTimestampNanos(text);
  if (nanos === null)
    throw AppError.validation(
      field,
      'must be an RFC3339 time (2026-12-01T10:00:00Z) or unix seconds',
    );
  // Docker reads its since/until as unsigned seconds: an earlier time came back as a 502.
  if (nanos < 0n) throw AppError.validation(field, 'must not be before 1970-01-01T00:00:00Z');
  return nanos;
}

/** Checks and compiles a search; every refusal names its parameter. */
export function searchQuery(input: SearchInput): SearchQuery {
  const query: SearchQuery = {
    filter: input.q === undefined ? null : searchFilter(input.q, input.regex ?? false, 'q'),
    levels: null,
    limit: input.limit ?? (input.whole ? MAX_SEARCH_LIMIT : DEFAULT_SEARCH_LIMIT),
  };
  if (input.since !== undefined) query.sinceNanos = parseInstant('since', input.since);
  if (input.until !== undefined) query.untilNanos = parseInstant('until', input.until);
  if (
    query.sinceNanos !== undefined &&
    query.untilNanos !== undefined &&
    query.untilNanos < query.sinceNanos
  )
    throw AppError.validation('until', 'must not be before since');
  if (input.stream !== undefined) query.stream = input.stream;
  if (input.level !== undefined) {
    const { levels, unknown } = parseLevels(input.level);
    if (unknown.length > 0 || levels.size === 0)
      throw AppError.validation(
        'level',
        `must be a comma list of fatal, error, warn, info, debug, trace${unknown.length ? ` (not ${unknown.join(', ')})` : ''}`,
      );
    query.levels = levels;
  }
  if (input.tail !== undefined) query.tail = input.tail;
  return query;
}
