import type { LiveLogLine } from '../stream/index.js';

/**
 * Live log follow between a replica and an agent (docs/design/scale-out-contract.md):
 * the replica publishes requests on `logwarden.<host>.logs.follow`, the agent answers on
 * the session's deliver subject, first with an empty batch (accepted) or an end.
 */
export type FollowRequest =
  | { type: 'follow'; session: string; container_id: string; tail: number }
  | { type: 'keepalive'; session: string }
  | { type: 'cancel'; session: string };

export type FollowEnd = 'stopped' | 'cancelled' | 'limit' | 'error';

export interface FollowBatch {
  session: string;
  lines: LiveLogLine[];
  /** Lines left out since the last batch: the viewer could not be sent them fast enough. */
  dropped: number;
  end?: FollowEnd;
  /** With end `error` or `limit`: why, for the viewer. */
  error?: { code: string; message: string };
}

/** Lines the history part of a follow may ask for: the log viewer asks for 500. */
export const MAX_FOLLOW_TAIL = 5_000;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export const encodeFollow = (message: FollowRequest | FollowBatch): Uint8Array =>
  encoder.encode(JSON.stringify(message));

function decode(data: Uint8Array): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(decoder.decode(data));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

/** A request as the agent hears it, or null for anything malformed (it is ignored). */
export function parseFollowRequest(data: Uint8Array): FollowRequest | null {
  const m = decode(data);
  if (!m || typeof m.session !== 'string') return null;
  const session = m.session;
  switch (m.type) {
    case 'keepalive':
    case 'cancel':
      return { type: m.type, session };
    case 'follow': {
      const tail = m.tail;
      if (typeof m.container_id !== 'string' || !/^[0-9a-f]{64}$/.test(m.container_id)) return null;
      if (typeof tail !== 'number' || !Number.isInteger(tail) || tail < 0) return null;
      return {
        type: 'follow',
        session,
        container_id: m.container_id,
        tail: Math.min(tail, MAX_FOLLOW_TAIL),
      };
    }
    default:
      return null;
  }
}

/** A batch as the replica hears it, or null for anything malformed. */
export function parseFollowBatch(data: Uint8Array): FollowBatch | null {
  const m = decode(data);
  if (!m || typeof m.session !== 'string' || !Array.isArray(m.lines)) return null;
  return m as unknown as FollowBatch;
}
