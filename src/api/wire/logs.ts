import { Type, type Static } from '@sinclair/typebox';
import {
  DEFAULT_SEARCH_LIMIT,
  MAX_SEARCH_LIMIT,
  MAX_SEARCH_TAIL,
  SEARCH_END_REASONS,
} from '../../logs/model.js';
import { MAX_PATTERN_BYTES } from '../../rules/model.js';
import { errors } from './errors.js';
import { ContainerParam, NameParam } from './inventory.js';
import { Enum, Nullable } from './shapes.js';
import { LogLevelOrNull } from './stream.js';

const Instant = (description: string) =>
  Type.String({
    minLength: 1,
    maxLength: 40,
    description: `${description}: RFC3339 (\`2026-12-01T10:00:00.5Z\`) or unix seconds (\`1764583200.5\`).`,
  });

export const LogSearchQuery = Type.Object(
  {
    since: Type.Optional(Instant('Only lines at or after this instant')),
    until: Type.Optional(Instant('Only lines up to this instant')),
    q: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: MAX_PATTERN_BYTES,
        description: 'Text to find, in any case; an RE2 pattern with `regex=true`.',
      }),
    ),
    regex: Type.Optional(Type.Boolean({ description: '`q` is an RE2 pattern (default false).' })),
    stream: Type.Optional(Enum(['stdout', 'stderr'] as const)),
    level: Type.Optional(
      Type.String({
        maxLength: 100,
        description: 'Comma list of levels (`error,warn`); lines without a level are left out.',
      }),
    ),
    limit: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: MAX_SEARCH_LIMIT,
        description: `Results at most (default ${DEFAULT_SEARCH_LIMIT}; ${MAX_SEARCH_LIMIT} for text and JSONL).`,
      }),
    ),
    tail: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: MAX_SEARCH_TAIL,
        description: 'Only the last N results up to `until` (sent when the read ends).',
      }),
    ),
    format: Type.Optional(Enum(['ndjson', 'text', 'jsonl'] as const)),
    download: Type.Optional(
      Type.Boolean({ description: 'Adds Content-Disposition: attachment with a file name.' }),
    ),
  },
  { additionalProperties: false },
);
export type LogSearchQuery = Static<typeof LogSearchQuery>;

const source = {
  container_id: Type.String(),
  container_name: Type.String(),
  stream: Enum(['stdout', 'stderr'] as const),
  timestamp: Nullable(Type.String({ description: "Docker's RFC3339Nano timestamp." })),
  text: Type.String(),
  level: LogLevelOrNull,
  truncated: Type.Optional(Type.Literal(true, { description: 'Cut at 1 MiB.' })),
};

export const LogSearchLine = Type.Object({ type: Type.Literal('line'), ...source });
export const LogSearchProgress = Type.Object({
  type: Type.Literal('progress'),
  lines_scanned: Type.Integer(),
  bytes_scanned: Type.Integer(),
  reached: Nullable(Type.String({ description: 'The timestamp of the last line read.' })),
});
export const LogSearchEnd = Type.Object({
  type: Type.Literal('end'),
  reason: Enum(SEARCH_END_REASONS),
  lines_scanned: Type.Integer(),
  matched: Type.Integer(),
  code: Type.Optional(Type.String({ description: 'With reason `error`.' })),
  message: Type.Optional(Type.String({ description: 'With reason `error`.' })),
});

const results = {
  description:
    'Streamed as found. ndjson: line, progress and a last end frame; jsonl: the line objects without `type` (and the end frame if the search stopped early); text: `timestamp [container] text` lines.',
  content: {
    'application/x-ndjson': {
      schema: Type.Union([LogSearchLine, LogSearchProgress, LogSearchEnd], {
        description: 'One JSON object per line, by `type`.',
      }),
    },
    'text/plain': { schema: Type.String() },
  },
};

const tags = ['logs'];

export const LogsApi = {
  container: {
    tags,
    summary: "Search or read a container's log history (who may read logs)",
    description: 'See docs/logs.md.',
    params: ContainerParam,
    querystring: LogSearchQuery,
    response: { 200: results, ...errors(400, 404, 409, 429, 502, 503) },
  },
  workload: {
    tags,
    summary:
      "Search or read the logs of a workload's containers, merged by time (who may read logs)",
    params: NameParam,
    querystring: LogSearchQuery,
    response: { 200: results, ...errors(400, 404, 429, 502, 503) },
  },
};
