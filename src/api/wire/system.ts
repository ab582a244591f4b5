import { Type, type Static } from '@sinclair/typebox';
import { FreeForm, IsoTime, Nullable, Page } from './shapes.js';

export const TailStats = Type.Object({
  container_id: Type.String(),
  container_name: Type.String(),
  status: Type.String(),
  lines: Type.Integer(),
  hits: Type.Integer(),
  reconnects: Type.Integer({
    description: 'Connections after the first (errors, stalls, restarts).',
  }),
  lines_possibly_lost: Type.Integer({
    description: 'Estimated lines Docker rotated away before this tail read them.',
  }),
  repeated_lines: Type.Integer({
    description: 'Lines Docker sent twice in one connection, skipped.',
  }),
  lines_recovered: Type.Integer({
    description: "Lines Docker's follower skipped (rotated files), read again.",
  }),
  cursors: FreeForm(
    Type.Object({ ts: Type.String(), seen_at_ts: Type.Integer() }),
    'Per stream: `seconds.nanos` of the last line taken, and how many lines shared it.',
  ),
  last_line_at: Nullable(Type.Integer({ description: 'Milliseconds since the epoch.' })),
  last_error: Nullable(Type.String()),
});
export type TailStats = Static<typeof TailStats>;

const Count = Type.Integer({ minimum: 0 });

export const ScannerStats = Type.Object({
  lines_scanned: Count,
  bytes_scanned: Count,
  hits: Count,
  cooldown_drops: Count,
  rate_drops: Count,
  truncated_lines: Count,
  corrupt_streams: Count,
  reconnects: Count,
  lines_possibly_lost: Type.Integer({
    minimum: 0,
    description:
      'Estimated lines Docker rotated away before they were read (re-attach gaps); see docs/scanner.md.',
  }),
  repeated_lines: Type.Integer({
    minimum: 0,
    description: 'Lines Docker sent twice in one connection (same timestamp and bytes), skipped.',
  }),
  unreadable_containers: Type.Integer({
    minimum: 0,
    description: 'Containers whose log could not be read (log driver, cursors unreadable).',
  }),
  stalls: Type.Integer({
    minimum: 0,
    description: 'Tails found silent while Docker had newer lines, and re-attached.',
  }),
  lines_recovered: Type.Integer({
    minimum: 0,
    description: "Lines Docker's follower skipped (rotated files) that were read again.",
  }),
  condition_keys_dropped: Type.Integer({
    minimum: 0,
    description:
      'Matches of count rules (and absences) dropped because their rule already had the most group keys it may count at once (see docs/alerts.md, "Conditions").',
  }),
  active_tails: Count,
  tails: Type.Array(TailStats),
  rules: Type.Object({ version: Type.Integer(), compiled: Type.Integer() }),
  last_compile_errors: Type.Array(
    Type.Object({ rule_id: Type.Integer(), name: Type.String(), error: Type.String() }),
  ),
});
export type ScannerStats = Static<typeof ScannerStats>;

export const Setting = Type.Object({
  key: Type.String({ description: 'The YAML key.' }),
  env: Type.String({ description: 'The environment variable.' }),
  value: Type.Unknown(),
  doc: Type.String(),
});
export type Setting = Static<typeof Setting>;

export const Readiness = Type.Object({
  ready: Type.Boolean(),
  checks: Type.Object({
    database: Type.Object({
      ok: Type.Boolean(),
      dialect: Type.String(),
      error: Type.Optional(
        Type.String({
          description:
            'Why the database is not ready: `not writable: disk full` (or `locked`, `read-only`, `io error`), `database unreachable …`.',
        }),
      ),
      writable: Type.Boolean({ description: 'Whether the last write (or write probe) worked.' }),
      not_writable_since: Nullable(IsoTime()),
      write_error: Nullable(
        Type.String({ description: "The database driver's own words for the last failure." }),
      ),
    }),
    docker: Type.Object({
      ok: Type.Boolean(),
      reachable: Type.Boolean(),
      version: Nullable(Type.String()),
      api_version: Nullable(Type.String()),
      error: Nullable(Type.String()),
      checked_at: Nullable(IsoTime()),
    }),
    /** Many hosts: the replica's NATS connection (agents are heard through it). */
    nats: Type.Optional(
      Type.Object({
        ok: Type.Boolean(),
        state: Type.String(),
        server: Nullable(Type.String()),
        since: IsoTime(),
        last_error: Nullable(Type.String()),
      }),
    ),
  }),
});
export type Readiness = Static<typeof Readiness>;

const system = ['system'];

export const SystemApi = {
  healthz: {
    tags: system,
    summary: 'Liveness: answers while the process is up',
    response: { 200: Type.Object({ status: Type.Literal('ok'), version: Type.String() }) },
  },
  readyz: {
    tags: system,
    summary: 'Readiness: whether the database and Docker answer',
    response: {
      200: Readiness,
      503: { ...Readiness, description: 'Something is down: `checks` says what.' },
    },
  },
  scannerStats: {
    tags: ['scanner'],
    summary: "The scanner's counters and tails",
    response: { 200: ScannerStats },
  },
  settings: {
    tags: system,
    summary: 'Settings shown read-only (never a secret)',
    response: { 200: Page(Setting) },
  },
  metrics: {
    tags: system,
    summary: 'Prometheus metrics (admins, or a token of scope metrics)',
    response: {
      200: {
        description: 'The Prometheus text format.',
        content: { 'text/plain': { schema: Type.String() } },
      },
    },
  },
  openapi: {
    tags: system,
    summary: 'This document: OpenAPI 3.1',
    response: {
      200: FreeForm(Type.Unknown(), 'An OpenAPI 3.1 document.'),
    },
  },
};
