import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { storedEvent } from '../../test/support/fixtures.js';
import type { StoredEvent } from '../events/model.js';
import { LiveEventRelay, type CoreLink } from './live-relay.js';

/** Core NATS in one process: every subscriber of a matching subject hears each publish. */
class LoopbackLink implements CoreLink {
  readonly sent: { subject: string; bytes: number }[] = [];
  private readonly subs = new Set<{ prefix: string; on: (data: Uint8Array) => void }>();
  publish(subject: string, data: Uint8Array): void {
    this.sent.push({ subject, bytes: data.byteLength });
    for (const sub of this.subs) if (subject.startsWith(sub.prefix)) sub.on(data);
  }
  subscribe(subject: string, on: (data: Uint8Array) => void): () => void {
    const sub = { prefix: subject.replace(/\*$/, ''), on };
    this.subs.add(sub);
    return () => this.subs.delete(sub);
  }
}

function replica(link: CoreLink) {
  const heard: StoredEvent[] = [];
  const relay = new LiveEventRelay(
    link,
    { publish: (e) => heard.push(e) },
    pino({ level: 'silent' }),
  );
  relay.start();
  return { relay, heard };
}

describe('LiveEventRelay', () => {
  it('re-emits what another replica committed, with its ids, and skips its own', () => {
    const link = new LoopbackLink();
    const one = replica(link);
    const two = replica(link);
    const events = [storedEvent({ id: 7 }), storedEvent({ id: 8 })];
    one.relay.committed('web-1', events);
    expect(link.sent.map((s) => s.subject)).toEqual(['logwarden-live.events.web-1']);
    expect(two.heard).toEqual(events);
    expect(one.heard).toEqual([]);
    two.relay.stop();
    one.relay.committed('web-1', [storedEvent({ id: 9 })]);
    expect(two.heard.map((e) => e.id)).toEqual([7, 8]);
  });

  it('cuts a large batch into messages NATS takes, and counts what does not parse', () => {
    const link = new LoopbackLink();
    const one = replica(link);
    const two = replica(link);
    const big = Array.from({ length: 12 }, (_, i) =>
      storedEvent({ id: i + 1, context: { before: Array(100).fill('x'.repeat(1000)), after: [] } }),
    );
    one.relay.committed('web-1', big);
    expect(link.sent.length).toBeGreaterThan(1);
    expect(Math.max(...link.sent.map((s) => s.bytes))).toBeLessThan(1024 * 1024);
    expect(two.heard.map((e) => e.id)).toEqual(big.map((e) => e.id));
    link.publish('logwarden-live.events.web-1', new TextEncoder().encode('not json'));
    expect(two.relay.malformed).toBe(1);
  });
});
