import type { Logger } from 'pino';
import type { LogLine } from '../docker/index.js';
import { isAppError } from '../errors.js';
import { followDeliverSubject, followSubject } from '../nats/subjects.js';
import { liveLine, Slots, type LiveLogLine, type LogReader } from '../stream/index.js';
import type { CoreLink } from './live-relay.js';
import {
  encodeFollow,
  parseFollowRequest,
  type FollowBatch,
  type FollowEnd,
  type FollowRequest,
} from './log-follow-messages.js';

/** What the agent knows of a container: null when it is not one of this host's. */
export interface FollowedContainers {
  tty(id: string): Promise<boolean | null>;
}

export interface LogFollowServerOptions {
  /** Follows open at once (`stream.max_log_follows`): each holds a Docker connection. */
  maxFollows: number;
  /** A session with no keepalive for this long is over: its viewer's replica is gone. */
  idleMs?: number;
  /** How often batches go out: at most ten a second keeps NATS and the replica calm. */
  flushMs?: number;
  /** An empty batch this often on a quiet log: the replica tells a dead agent from a quiet one. */
  heartbeatMs?: number;
}

/** Bytes of line text in one batch; what comes beyond it before the flush is dropped. */
export const MAX_BATCH_BYTES = 64 * 1024;
const DEFAULT_IDLE_MS = 15_000;
const DEFAULT_FLUSH_MS = 100;
const DEFAULT_HEARTBEAT_MS = 5_000;

interface Session {
  deliver: string;
  controller: AbortController;
  lastHeard: number;
  lines: LiveLogLine[];
  bytes: number;
  dropped: number;
  lastSent: number;
}

/**
 * An agent's side of live log follow: a viewer on any replica asks for a container of
 * this host; the agent follows its log from Docker and sends the lines in batches to the
 * session's deliver subject until the container stops, the replica cancels, or no
 * keepalive came for `idleMs` (the replica died or lost NATS).
 */
export class LogFollowServer {
  private readonly sessions = new Map<string, Session>();
  private readonly slots: Slots;
  private unsubscribe: (() => void) | null = null;
  private link: CoreLink | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly host: string,
    private readonly docker: LogReader,
    private readonly containers: FollowedContainers,
    private readonly log: Logger,
    private readonly options: LogFollowServerOptions,
  ) {
    this.slots = new Slots(options.maxFollows);
  }

  /** Sessions open now. */
  get open(): number {
    return this.sessions.size;
  }

  start(link: CoreLink): void {
    if (this.unsubscribe) return;
    this.link = link;
    this.unsubscribe = link.subscribe(followSubject(this.host), (data) => this.heard(data));
    this.timer = setInterval(() => this.tick(), this.options.flushMs ?? DEFAULT_FLUSH_MS);
    this.timer.unref();
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    for (const session of this.sessions.values()) session.controller.abort();
  }

  private heard(data: Uint8Array): void {
    const request = parseFollowRequest(data);
    if (!request) return;
    const session = this.sessions.get(request.session);
    switch (request.type) {
      case 'keepalive':
        if (session) session.lastHeard = Date.now();
        return;
      case 'cancel':
        session?.controller.abort();
        return;
      case 'follow':
        if (!session) void this.follow(request);
    }
  }

  private async follow(request: Extract<FollowRequest, { type: 'follow' }>): Promise<void> {
    let deliver: string;
    try {
      deliver = followDeliverSubject(this.host, request.session);
    } catch {
      return;
    }
    const release = this.slots.tryAcquire();
    if (!release) {
      this.send(deliver, request.session, [], 0, 'limit', {
        code: 'STREAM_LIMIT_REACHED',
        message: `host ${this.host} follows ${this.slots.limit} logs already (stream.max_log_follows); try again later`,
      });
      return;
    }
    const session: Session = {
      deliver,
      controller: new AbortController(),
      lastHeard: Date.now(),
      lines: [],
      bytes: 0,
      dropped: 0,
      lastSent: Date.now(),
    };
    this.sessions.set(request.session, session);
    let end: FollowEnd = 'stopped';
    let error: FollowBatch['error'];
    try {
      const tty = await this.containers.tty(request.container_id);
      if (tty === null) {
        end = 'error';
        error = {
          code: 'NOT_FOUND',
          message: `container ${request.container_id} is not on host ${this.host}`,
        };
        return;
      }
      // Accepted: the replica stops waiting for an answer.
      this.send(deliver, request.session, [], 0);
      const lines = await this.docker.logs(request.container_id, {
        follow: true,
        tail: request.tail,
        timestamps: true,
        stdout: true,
        stderr: true,
        tty,
        signal: session.controller.signal,
      });
      for await (const line of lines) this.add(session, line);
      if (session.controller.signal.aborted) end = 'cancelled';
    } catch (err) {
      if (session.controller.signal.aborted) end = 'cancelled';
      else {
        end = 'error';
        error = {
          code: isAppError(err) ? err.code : 'INTERNAL',
          message: (err as Error).message,
        };
        this.log.warn({ err, container: request.container_id }, 'live log follow failed');
      }
    } finally {
      release();
      this.sessions.delete(request.session);
      // A cancelled session's replica is gone or no longer listening: nothing to send.
      if (end !== 'cancelled')
        this.send(deliver, request.session, session.lines, session.dropped, end, error);
    }
  }

  private add(session: Session, line: LogLine): void {
    if (session.bytes + line.text.length > MAX_BATCH_BYTES) {
      session.dropped++;
      return;
    }
    session.lines.push(liveLine(line, 'follow'));
    session.bytes += line.text.length;
  }

  /** Every flush: each session's lines so far, and the end of those no longer kept alive. */
  private tick(): void {
    const now = Date.now();
    const idleMs = this.options.idleMs ?? DEFAULT_IDLE_MS;
    for (const [id, session] of this.sessions) {
      if (now - session.lastHeard > idleMs) {
        session.controller.abort();
        continue;
      }
      const quiet = session.lines.length === 0 && session.dropped === 0;
      if (quiet && now - session.lastSent < (this.options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS))
        continue;
      this.send(session.deliver, id, session.lines, session.dropped);
      session.lastSent = now;
      session.lines = [];
      session.bytes = 0;
      session.dropped = 0;
    }
  }

  private send(
    deliver: string,
    session: string,
    lines: LiveLogLine[],
    dropped: number,
    end?: FollowEnd,
    error?: FollowBatch['error'],
  ): void {
    const batch: FollowBatch = { session, lines, dropped };
    if (end) batch.end = end;
    if (error) batch.error = error;
    try {
      this.link?.publish(deliver, encodeFollow(batch));
    } catch (err) {
      // NATS is down: the replica's keepalive stops reaching us too, and the session ends.
      this.log.debug({ err }, 'cannot send a live log batch');
    }
  }
}
