import { randomBytes } from 'node:crypto';
import { followDeliverSubject, followSubject } from '../nats/subjects.js';
import {
  lineFrame,
  type LogOpener,
  type LogSession,
  type LogTarget,
  type SseWriter,
} from '../stream/index.js';
import type { CoreLink } from './live-relay.js';
import {
  encodeFollow,
  parseFollowBatch,
  type FollowBatch,
  type FollowRequest,
} from './log-follow-messages.js';

export interface RemoteLogFeedOptions {
  /** How long the agent has to accept a follow before the viewer is told it is unreachable. */
  answerMs?: number;
  /** How often the session is kept alive (the agent ends one not kept alive for 15 s). */
  keepaliveMs?: number;
  /** Silence after which the agent is taken for gone (it sends a batch every 5 s at least). */
  silentMs?: number;
}

const DEFAULT_ANSWER_MS = 5_000;
const DEFAULT_KEEPALIVE_MS = 5_000;
const DEFAULT_SILENT_MS = 15_000;

/** Why a follow ended, as the log viewer's `end` frame says it. */
function endFrame(batch: FollowBatch) {
  if (batch.end === 'stopped') return { reason: 'container stopped' };
  return {
    reason: 'error',
    code: batch.error?.code ?? 'INTERNAL',
    message: batch.error?.message ?? `the agent ended the follow (${batch.end})`,
  };
}

/**
 * A replica's side of live log follow for a container on an agent's host: asks the
 * agent over core NATS, passes its batches to the SSE client, keeps the session alive
 * while the client is there and cancels it when the client leaves. Lines a congested
 * client cannot take are dropped (the live view, not the record: the agent's scanner
 * reads every line regardless).
 */
export class RemoteLogFeed implements LogOpener {
  constructor(
    /** The replica's NATS connection; null until it has one. */
    private readonly link: () => CoreLink | null,
    private readonly options: RemoteLogFeedOptions = {},
  ) {}

  open(target: LogTarget): LogSession {
    const host = target.host!;
    let release = () => undefined as void;
    return {
      release: () => release(),
      stream: (writer, { tail }) =>
        new Promise<void>((resolve) => {
          release = this.follow(host, target.id, tail, writer, resolve);
        }),
    };
  }

  private follow(
    host: string,
    containerId: string,
    tail: number,
    writer: SseWriter,
    done: () => void,
  ): () => void {
    const fail = (code: string, message: string) => {
      writer.send({ event: 'end', data: { reason: 'error', code, message } });
      writer.close();
      done();
    };
    const link = this.link();
    if (!link) {
      fail('NATS_UNAVAILABLE', `not connected to NATS: host ${host}'s agent cannot be reached`);
      return () => undefined;
    }
    const session = randomBytes(12).toString('hex');
    const request = (message: FollowRequest) => {
      try {
        link.publish(followSubject(host), encodeFollow(message));
      } catch {
        // NATS is down: the answer timer (or the agent's idle timeout) ends the session.
      }
    };
    let answered = false;
    let ended = false;
    let heardAt = Date.now();
    const finish = () => {
      if (ended) return;
      ended = true;
      unsubscribe();
      clearTimeout(answerTimer);
      clearInterval(keepalive);
      done();
    };
    const unsubscribe = link.subscribe(followDeliverSubject(host, session), (data) => {
      const batch = parseFollowBatch(data);
      if (!batch || batch.session !== session || ended) return;
      answered = true;
      heardAt = Date.now();
      for (const line of batch.lines) {
        if (writer.congested) break;
        writer.send(lineFrame(line));
      }
      if (batch.end) {
        writer.send({ event: 'end', data: endFrame(batch) });
        writer.close();
        finish();
      }
    });
    const answerTimer = setTimeout(() => {
      if (answered) return;
      request({ type: 'cancel', session });
      fail('HOST_UNREACHABLE', `host ${host}'s agent did not answer a live log follow`);
      finish();
    }, this.options.answerMs ?? DEFAULT_ANSWER_MS);
    const silentMs = this.options.silentMs ?? DEFAULT_SILENT_MS;
    // Keeps the session alive, and ends it for a viewer whose agent went away mid-follow
    // (killed, cut off): never a live view that silently stops.
    const keepalive = setInterval(() => {
      if (answered && Date.now() - heardAt > silentMs) {
        request({ type: 'cancel', session });
        fail('HOST_UNREACHABLE', `host ${host}'s agent stopped sending the live log`);
        finish();
        return;
      }
      request({ type: 'keepalive', session });
    }, this.options.keepaliveMs ?? DEFAULT_KEEPALIVE_MS);
    writer.onClose(() => {
      if (!ended) request({ type: 'cancel', session });
      finish();
    });
    request({ type: 'follow', session, container_id: containerId, tail });
    return () => {
      if (!ended) request({ type: 'cancel', session });
      finish();
    };
  }
}
