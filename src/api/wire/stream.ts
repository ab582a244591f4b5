import { Type, type Static } from '@sinclair/typebox';
import { errors } from './errors.js';
import { EventFilterQuery, EventId, LogEvent } from './events.js';
import { Container } from './inventory.js';
import { LOG_LEVELS, type LogLevel } from '../../logs/model.js';
import { ContainerRef, Enum, Nullable } from './shapes.js';

export const MAX_LOG_TAIL = 10_000;
/** The largest history ring stream.history_size allows. */
export const MAX_HISTORY = 100_000;

/** detectLevel's guess for a line; null when nothing in it names a level. */
export const LogLevelOrNull = Type.Unsafe<LogLevel | null>({
  type: ['string', 'null'],
  enum: [...LOG_LEVELS, null],
  description: 'The detected log level (docs/logs.md); null when the line names none.',
});

/** One line of a container's log stream (an unnamed message). */
export const LogLine = Type.Object({
  stream: Enum(['stdout', 'stderr'] as const),
  timestamp: Nullable(
    Type.String({ description: "Docker's RFC3339Nano timestamp; null when the line had none." }),
  ),
  text: Type.String(),
  level: LogLevelOrNull,
  truncated: Type.Optional(Type.Boolean({ description: 'Cut at 1 MiB.' })),
  origin: Enum(['history', 'tail', 'follow'] as const, {
    description:
      'history: the `tail` lines sent first; tail: read by the scanner; follow: no scanner tail runs.',
  }),
  rules: Type.Optional(
    Type.Array(Type.String(), { description: 'Rules the line matched (origin tail only).' }),
  ),
});
export type LogLine = Static<typeof LogLine>;

/** `event: end` of a log stream: nothing more will come on it. */
export const LogStreamEnd = Type.Object({
  reason: Enum(['container stopped', 'error', 'access revoked'] as const),
  code: Type.Optional(Type.String()),
  message: Type.Optional(Type.String()),
});
export type LogStreamEnd = Static<typeof LogStreamEnd>;

/** `event: dropped`: this many messages did not fit the client's queue. */
export const Dropped = Type.Object({ count: Type.Integer({ minimum: 1 }) });

/** `event: snapshot` of the inventory stream: the whole index, first on every connection. */
export const InventorySnapshot = Type.Object({
  items: Type.Array(Container),
  gone_hide_after_seconds: Type.Integer({
    minimum: 0,
    description:
      'ui.gone_containers_hide_after_seconds: how long a gone container stays listed before the UI folds it away.',
  }),
});
export type InventorySnapshot = Static<typeof InventorySnapshot>;

/** An unnamed message of the inventory stream: one container changed. */
export const InventoryChange = Type.Object({
  type: Enum(['added', 'updated', 'gone'] as const, {
    description:
      'added: a container the index did not know; gone: Docker no longer has it (its row stays, state `missing`).',
  }),
  container: Container,
});
export type InventoryChange = Static<typeof InventoryChange>;

/** `event: end` of the event stream: its credentials no longer hold. */
const AccessRevoked = Type.Object({ reason: Type.Literal('access revoked') });

/**
 * An SSE message: `id`, `event` and `data` (JSON) lines, one message per blank line;
 * `: heartbeat` comment lines keep proxies from closing a quiet stream.
 */
const sse = (description: string, messages: ReturnType<typeof Type.Object>[]) => ({
  description,
  content: {
    'text/event-stream': {
      schema: Type.Union(messages, {
        description: 'The `data` of each message, by its `event` (see the titles).',
      }),
    },
  },
});

export const EventStreamQuery = Type.Object(
  {
    ...EventFilterQuery,
    after: Type.Optional({
      ...EventId,
      description: 'Resume from the event log after this id (Last-Event-ID wins).',
    }),
    history: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: MAX_HISTORY,
        description: 'At most this many events of the history ring first (default: all).',
      }),
    ),
  },
  { additionalProperties: false },
);

export const LogStreamQuery = Type.Object(
  {
    tail: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: MAX_LOG_TAIL,
        description: 'Lines of history first (default 100).',
      }),
    ),
  },
  { additionalProperties: false },
);

const tags = ['live streams'];

export const StreamApi = {
  events: {
    tags,
    summary: 'Live events (server-sent events; admins)',
    description:
      'Each event is a message whose `id` is the event id and whose `data` is the event as `GET /api/events/:id` returns it. A reconnecting client sends `Last-Event-ID` and misses nothing.',
    querystring: EventStreamQuery,
    response: {
      200: sse('A stream of events that stays open.', [
        { ...LogEvent, title: 'message (no event name): an event' },
        { ...Dropped, title: 'event: dropped' },
        { ...AccessRevoked, title: 'event: end' },
      ]),
      ...errors(400, 404, 429),
    },
  },
  inventory: {
    tags,
    summary: 'The containers index, live (server-sent events)',
    description:
      'First `event: snapshot` with every container (as `GET /api/containers` lists them), then one message per change. Every (re)connection starts with a snapshot; after `event: dropped` the client should reconnect to resync.',
    querystring: Type.Object({}, { additionalProperties: false }),
    response: {
      200: sse('A snapshot, then a stream of changes that stays open.', [
        { ...InventorySnapshot, title: 'event: snapshot' },
        { ...InventoryChange, title: 'message (no event name): a change' },
        { ...Dropped, title: 'event: dropped' },
        { ...AccessRevoked, title: 'event: end' },
      ]),
      ...errors(400, 429),
    },
  },
  logs: {
    tags,
    summary: "One container's live log (server-sent events; who may read logs)",
    params: Type.Object({ container: ContainerRef() }),
    querystring: LogStreamQuery,
    response: {
      200: sse('The last `tail` lines, then each new one.', [
        { ...LogLine, title: 'message (no event name): a line' },
        { ...Dropped, title: 'event: dropped' },
        { ...LogStreamEnd, title: 'event: end' },
      ]),
      ...errors(400, 404, 409, 429),
    },
  },
};
