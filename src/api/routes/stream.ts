import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, ErrorCode } from '../../errors.js';
import { SEVERITIES, type StoredEvent } from '../../events/index.js';
import type { ContainerRecord } from '../../inventory/index.js';
import {
  DEFAULT_HEARTBEAT_MS,
  SseWriter,
  type EventStreamRequest,
  type LogTarget,
  type SseFrame,
} from '../../stream/index.js';
import { eventJson, parseSources } from './events.js';

/** What the stream routes need: the streamers of src/stream and the containers index. */
export interface StreamApiDeps {
  events: { stream(writer: SseWriter, request: EventStreamRequest): Promise<void> };
  logs: { stream(writer: SseWriter, target: LogTarget, options: { tail: number }): Promise<void> };
  containers: { find(idOrName: string): Promise<ContainerRecord | null> };
  heartbeatMs?: number;
}

/** The SSE frame of an event: its id lets a client resume with Last-Event-ID. */
export const eventFrame = (event: StoredEvent): SseFrame => ({
  id: event.id,
  data: eventJson(event),
});

const Id = Type.Integer({ minimum: 0 });
export const MAX_LOG_TAIL = 10_000;
/** The largest history ring stream.history_size allows. */
const MAX_HISTORY = 100_000;

const EventStreamQuery = Type.Object(
  {
    source: Type.Optional(Type.String()),
    severity: Type.Optional(Type.Union(SEVERITIES.map((s) => Type.Literal(s)))),
    workload: Type.Optional(Type.String({ minLength: 1 })),
    container: Type.Optional(Type.String({ minLength: 1 })),
    rule: Type.Optional(Id),
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    after: Type.Optional(Id),
    history: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_HISTORY })),
  },
  { additionalProperties: false },
);

const LogStreamQuery = Type.Object(
  { tail: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_LOG_TAIL })) },
  { additionalProperties: false },
);

/** Last-Event-ID wins over `?after=`: a reconnecting EventSource resends its first URL. */
function resumeAfter(request: FastifyRequest, after: number | undefined): number | null {
  const header = request.headers['last-event-id'];
  if (typeof header === 'string' && header.trim() !== '') {
    if (!/^\d{1,15}$/.test(header.trim()))
      throw AppError.validation('Last-Event-ID', 'must be an event id');
    return Number(header.trim());
  }
  return after ?? null;
}

export function streamRoutes(deps: StreamApiDeps) {
  return async (base: FastifyInstance): Promise<void> => {
    const app = base.withTypeProvider<TypeBoxTypeProvider>();
    const open = new Set<SseWriter>();

    /** Takes the response over from Fastify and starts an SSE stream on it. */
    const startSse = (reply: FastifyReply): SseWriter => {
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        // nginx and friends would otherwise hold the stream back.
        'x-accel-buffering': 'no',
      });
      res.write('retry: 3000\n\n');
      const writer = new SseWriter(res, { heartbeatMs: deps.heartbeatMs ?? DEFAULT_HEARTBEAT_MS });
      open.add(writer);
      // The response emits 'close' when the client goes away: the writer then closes.
      writer.onClose(() => open.delete(writer));
      return writer;
    };

    const run = (request: FastifyRequest, writer: SseWriter, work: Promise<void>) =>
      void work.catch((err: unknown) => {
        request.log.error({ err }, 'live stream failed');
        writer.close();
      });

    // Ends every stream before the server closes; it would otherwise wait for them.
    app.addHook('preClose', async () => {
      for (const writer of [...open]) writer.close();
    });

    app.get(
      '/api/stream/events',
      { config: { stream: true, access: 'admin' }, schema: { querystring: EventStreamQuery } },
      async (request, reply) => {
        const q = request.query;
        const after = resumeAfter(request, q.after);
        const filter = {
          sources: parseSources(q.source),
          min_severity: q.severity,
          workload_id: q.workload,
          container_id: q.container,
          rule_id: q.rule,
          text: q.q,
        };
        const writer = startSse(reply);
        run(request, writer, deps.events.stream(writer, { filter, after, history: q.history }));
      },
    );

    app.get(
      '/api/stream/logs/:container',
      {
        config: { stream: true, access: 'admin' },
        schema: {
          params: Type.Object({ container: Type.String({ minLength: 1, maxLength: 200 }) }),
          querystring: LogStreamQuery,
        },
      },
      async (request, reply) => {
        const container = await deps.containers.find(request.params.container);
        if (!container) throw AppError.notFound('container', request.params.container);
        if (!container.logs_available)
          throw new AppError(
            ErrorCode.DockerLogsUnavailable,
            `the log driver of container ${container.name} cannot be read`,
            { details: { container: container.id } },
          );
        const writer = startSse(reply);
        run(
          request,
          writer,
          deps.logs.stream(
            writer,
            { id: container.id, tty: container.tty },
            { tail: request.query.tail ?? 100 },
          ),
        );
      },
    );
  };
}
