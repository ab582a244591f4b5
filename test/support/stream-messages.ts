import type { JetStreamManager } from '@nats-io/jetstream';
import { STREAM_NAME } from '../../src/nats/index.js';

/** A message the LOGWARDEN stream holds: its Nats-Msg-Id and its JSON body. */
export interface StoredMessage<T> {
  id: string;
  data: T;
}

/** Every message of the stream on `subject`, oldest first (read one by one: tests only). */
export async function streamMessages<T>(
  jsm: JetStreamManager,
  subject: string,
): Promise<StoredMessage<T>[]> {
  const info = await jsm.streams.info(STREAM_NAME);
  const out: StoredMessage<T>[] = [];
  for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
    const m = await jsm.streams.getMessage(STREAM_NAME, { seq }).catch(() => null);
    if (!m || m.subject !== subject) continue;
    out.push({ id: m.header.get('Nats-Msg-Id'), data: m.json<T>() });
  }
  return out;
}
