import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, ErrorCode } from '../../errors.js';
import type { StoredEvent } from '../../events/index.js';
import {
  DEFAULT_HEARTBEAT_MS,
  Slots,
  SseWriter,
  type EventStreamRequest,
  type InventoryFrames,
  type LogSession,
  type LogTarget,
  type SseFrame,
} from '../../stream/index.js';
import { StreamApi } from '../wire/stream.js';
import { containerIdFilter, readableContainer, type ContainerFinder } from './container-ref.js';
import { clientGone, userKey } from '../stream-access.js';
import type { AccessPolicy } from '../access-guard.js';
import { eventFor, eventJson, parseHosts, parseSources } from './events.js';
import { containerJson } from './inventory.js';

/** What the stream routes need: the streamers of src/stream and the containers index. */
export interface StreamApiDeps {
  events: { stream(writer: SseWriter, request: EventStreamRequest): Promise<void> };
  logs: { open(target: LogTarget): LogSession };
  containers: ContainerFinder;
  inventory: {
    /** The containers index, live (InventoryFeed). */
    stream(writer: SseWriter, frames: InventoryFrames): Promise<void>;
    /** ui.gone_containers_hide_after_seconds, told to every inventory client. */
    goneHideAfterSeconds: number;
  };
  /**
   * Whether an open stream's request is still signed in with the access its route
   * needs: credentials are checked at open only by the access guard, and a logout, a
   * new password, a disabled user or a revoked token must end the streams they opened.
   */
  revalidate(request: FastifyRequest): Promise<boolean>;
  /**
   * Whether viewers may read logs: an event's log lines (a crash's last lines, a hit's
   * context) go only to those who may. Without it, only admins may (the strictest).
   */
  policy?: AccessPolicy;
  /** Streams one user (with their API tokens) may hold open at once. */
  maxPerUser?: number;
  heartbeatMs?: number;
  /** How often an open stream's credentials are checked again: default every heartbeat, at most 15 s. */
  revalidateMs?: number;
}

export const DEFAULT_MAX_STREAMS_PER_USER = 32;
const ADMINS_ONLY: AccessPolicy = { viewersReadLogs: () => false };
/** Credentials of an open stream are checked again at least this often. */
const MAX_REVALIDATE_MS = 15_000;

/** The SSE frame of an event: its id lets a client resume with Last-Event-ID. */
export const eventFrame = (event: StoredEvent): SseFrame => ({
  id: event.id,
  data: eventJson(event),
});

/** The inventory stream's frames: whole records, as GET /api/containers lists them. */
export const inventoryFrames = (goneHideAfterSeconds: number): InventoryFrames => ({
  snapshot: (containers) => ({
    event: 'snapshot',
    data: {
      items: containers.map(containerJson),
      gone_hide_after_seconds: goneHideAfterSeconds,
    },
  }),
  change: (change) => ({ data: { type: change.type, container: containerJson(change.container) } }),
});

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
  const heartbeatMs = deps.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
  const revalidateMs = Math.min(deps.revalidateMs ?? heartbeatMs, MAX_REVALIDATE_MS);
  const maxPerUser = deps.maxPerUser ?? DEFAULT_MAX_STREAMS_PER_USER;
  const frames = inventoryFrames(deps.inventory.goneHideAfterSeconds);

  return async (base: FastifyInstance): Promise<void> => {
    const app = base.withTypeProvider<TypeBoxTypeProvider>();
    const open = new Set<SseWriter>();
    const perUser = new Slots(maxPerUser);

    /** A slot of the caller's streams, or STREAM_LIMIT_REACHED (429). */
    const takeSlot = (request: FastifyRequest): (() => void) => {
      const release = perUser.tryAcquire(userKey(request));
      if (!release)
        throw new AppError(
          ErrorCode.StreamLimitReached,
          `at most ${maxPerUser} live streams may be open at once; close one first`,
          { details: { limit: maxPerUser } },
        );
      return release;
    };

    /** Nothing more to do for a client that left: Fastify must not answer it either. */
    const abandon = (request: FastifyRequest, reply: FastifyReply, ...releases: (() => void)[]) => {
      for (const release of releases) release();
      request.log.debug('client left before its live stream started');
      reply.hijack();
      reply.raw.destroy();
    };

    /** Ends the stream once its credentials no longer hold (or cannot be checked). */
    const watchCredentials = (request: FastifyRequest, writer: SseWriter) => {
      let checking = false;
      const revoke = () => {
        writer.send({ event: 'end', data: { reason: 'access revoked' } });
        writer.close();
      };
      const timer = setInterval(() => {
        if (checking || writer.isClosed) return;
        checking = true;
        deps
          .revalidate(request)
          .then(
            (ok) => {
              if (!ok) revoke();
            },
            (err: unknown) => {
              request.log.warn({ err }, 'live stream credentials could not be checked');
              revoke();
            },
          )
          .finally(() => (checking = false));
      }, revalidateMs);
      timer.unref();
      writer.onClose(() => clearInterval(timer));
    };

    /** Takes the response over from Fastify and starts an SSE stream on it. */
    const startSse = (request: FastifyRequest, reply: FastifyReply, slot: () => void) => {
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
      const writer = new SseWriter(res, { heartbeatMs });
      open.add(writer);
      // The response emits 'close' when the client goes away: the writer then closes.
      writer.onClose(() => {
        open.delete(writer);
        slot();
      });
      watchCredentials(request, writer);
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
      { config: { stream: true, access: 'admin' }, schema: StreamApi.events },
      async (request, reply) => {
        const q = request.query;
        const after = resumeAfter(request, q.after);
        const filter = {
          sources: parseSources(q.source),
          min_severity: q.severity,
          workload_id: q.workload,
          container_id: await containerIdFilter(deps.containers, q.container),
          rule_id: q.rule,
          text: q.q,
          hosts: parseHosts(q.host),
        };
        const slot = takeSlot(request);
        if (clientGone(request, reply)) return abandon(request, reply, slot);
        const writer = startSse(request, reply, slot);
        const project = eventFor(request.principal, deps.policy ?? ADMINS_ONLY);
        const toFrame = (event: StoredEvent): SseFrame => ({ id: event.id, data: project(event) });
        run(
          request,
          writer,
          deps.events.stream(writer, { filter, after, history: q.history, toFrame }),
        );
      },
    );

    // Viewers read the index (GET /api/containers): its live form is theirs too.
    app.get(
      '/api/stream/inventory',
      { config: { stream: true, access: 'viewer' }, schema: StreamApi.inventory },
      async (request, reply) => {
        const slot = takeSlot(request);
        if (clientGone(request, reply)) return abandon(request, reply, slot);
        const writer = startSse(request, reply, slot);
        run(request, writer, deps.inventory.stream(writer, frames));
      },
    );

    app.get(
      '/api/stream/logs/:container',
      {
        config: { stream: true, access: 'logs' },
        schema: StreamApi.logs,
      },
      async (request, reply) => {
        const container = await readableContainer(deps.containers, request.params.container);
        const slot = takeSlot(request);
        let session: LogSession;
        try {
          session = deps.logs.open({
            id: container.id,
            tty: container.tty,
            host: container.host_id ?? null,
          });
        } catch (err) {
          slot();
          throw err;
        }
        if (clientGone(request, reply)) return abandon(request, reply, slot, session.release);
        const writer = startSse(request, reply, slot);
        run(request, writer, session.stream(writer, { tail: request.query.tail ?? 100 }));
      },
    );
  };
}
