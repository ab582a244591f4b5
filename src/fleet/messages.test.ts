import { describe, expect, it } from 'vitest';
import { containerRecord } from '../../test/support/fixtures.js';
import { parseFleetMessage, MAX_MESSAGE_BYTES } from './messages.js';

const ID = 'ab'.repeat(32);
const env = { v: 1, host: 'web-1', agent: 'boot-1', sent_at: 1_700_000_000_000 };
const hit = {
  ...env,
  type: 'hit',
  event: {
    source: 'logscan',
    severity: 'error',
    message: 'boom',
    container_id: ID,
    rule_id: 3,
    context: { before: ['a'], after: [] },
    context_pending: true,
  },
  line: { stream: 'stdout', ts_nanos: '1700000000000000001', tie: 0 },
};
const status = {
  ...env,
  type: 'status',
  n: 4,
  name: 'web one',
  agent_version: '1.2.0',
  rule_revision: null,
  docker: { engine_id: 'E', version: '27.1', reachable: true },
  containers: 2,
  publish_failures: 0,
};

const PREFIX: Record<string, string> = {
  hit: 'hit',
  event: 'evt',
  container: 'inv',
  snapshot: 'snap',
  status: 'stat',
};
/** A well-formed id for the message: its type's prefix and the subject's host. */
function idFor(subject: string, value: unknown): string {
  const { type, hit: hitId } = (value ?? {}) as { type?: string; hit?: string };
  if (type === 'context') return `ctx:${hitId}`;
  return `${PREFIX[type ?? ''] ?? 'x'}:${subject.split('.')[1]}:1`;
}
const bytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
const parse = (subject: string, value: unknown, id = idFor(subject, value)) =>
  parseFleetMessage(subject, bytes(value), id);
const reason = (subject: string, value: unknown) => {
  const result = parse(subject, value);
  return result.ok ? null : result.reason;
};

describe('parseFleetMessage', () => {
  it('accepts each kind on its subject and keeps the fields', () => {
    const ok = parse('logwarden.web-1.hits', hit);
    expect(ok).toEqual({ ok: true, host: 'web-1', message: hit });
    expect(parse('logwarden.web-1.status', status)).toMatchObject({ ok: true, message: status });
    const change = {
      ...env,
      type: 'container',
      change: 'started',
      container: containerRecord(ID),
      observed_at: 5,
    };
    expect(parse('logwarden.web-1.inventory', change)).toMatchObject({ ok: true });
    const part = {
      ...env,
      type: 'snapshot',
      snapshot: 's1',
      part: 1,
      parts: 2,
      containers: [containerRecord(ID)],
    };
    expect(parse('logwarden.web-1.inventory', part)).toMatchObject({ ok: true });
    const ctx = { ...env, type: 'context', hit: 'hit:web-1:x', context: { before: [], after: [] } };
    expect(parse('logwarden.web-1.hits', ctx)).toMatchObject({ ok: true });
    const event = {
      ...env,
      type: 'event',
      event: { source: 'docker', severity: 'info', message: 'x' },
    };
    expect(parse('logwarden.web-1.events', event)).toMatchObject({ ok: true });
  });

  it('refuses a payload naming another host than its subject', () => {
    expect(reason('logwarden.web-2.hits', hit)).toMatch(/^host: names another host/);
    expect(
      reason('logwarden.web-1.hits', { ...hit, event: { ...hit.event, host_id: 'web-2' } }),
    ).toMatch(/^event\.host_id: names another host/);
  });

  it('refuses a type on the wrong subject, a wrong version, an unknown type', () => {
    expect(reason('logwarden.web-1.events', hit)).toBe('type: hit is not carried on events');
    expect(reason('logwarden.web-1.hits', { ...hit, v: 2 })).toBe('v: not 1');
    expect(reason('logwarden.web-1.hits', { ...hit, type: 'other' })).toMatch(/^type:/);
    expect(reason('logwarden.web-1.status', [])).toBe('message: not an object');
  });

  it('names the field that is wrong', () => {
    const bad = (over: object) => reason('logwarden.web-1.hits', { ...hit, ...over });
    expect(bad({ event: { ...hit.event, severity: 'fatal' } })).toMatch(
      /^event\.severity: not one of/,
    );
    expect(bad({ event: { ...hit.event, source: 'docker' } })).toBe(
      'event.source: a hit is a logscan event',
    );
    expect(bad({ event: { ...hit.event, rule_id: 1.5 } })).toBe('event.rule_id: not an integer');
    expect(bad({ line: { ...hit.line, ts_nanos: '12a' } })).toBe(
      'line.ts_nanos: not a decimal integer',
    );
    expect(bad({ extra: 1 })).toBe('extra: unknown field');
    expect(bad({ event: { ...hit.event, container_id: 'a\u0000b' } })).toBe(
      'event.container_id: contains a NUL character',
    );
    // Log text may hold one: it is made storable, or stored as JSON.
    expect(bad({ event: { ...hit.event, message: 'a\u0000b' } })).toBeNull();
    expect(bad({ event: { ...hit.event, context: { before: [1], after: [] } } })).toBe(
      'event.context.before[0]: not a string',
    );
    expect(
      reason('logwarden.web-1.status', { ...status, docker: { ...status.docker, reachable: 1 } }),
    ).toBe('docker.reachable: not a boolean');
    expect(
      reason('logwarden.web-1.inventory', {
        ...env,
        type: 'snapshot',
        snapshot: 's',
        part: 2,
        parts: 2,
        containers: [],
      }),
    ).toBe('part: out of range 0..1');
    expect(
      reason('logwarden.web-1.inventory', {
        ...env,
        type: 'container',
        change: 'started',
        container: containerRecord('short'),
        observed_at: 1,
      }),
    ).toMatch(/^container\.id: not a full container id/);
  });

  it('bounds sizes: the message, a text, a list', () => {
    const big = new Uint8Array(MAX_MESSAGE_BYTES + 1);
    expect(parseFleetMessage('logwarden.web-1.hits', big, 'hit:web-1:1')).toMatchObject({
      ok: false,
      host: 'web-1',
      reason: expect.stringMatching(/^message: larger than/),
    });
    expect(
      reason('logwarden.web-1.hits', {
        ...hit,
        event: { ...hit.event, message: 'x'.repeat(70_000) },
      }),
    ).toMatch(/^event\.message: longer than/);
    expect(
      reason('logwarden.web-1.hits', {
        ...hit,
        event: { ...hit.event, context: { before: Array(21).fill('l'), after: [] } },
      }),
    ).toMatch(/^event\.context\.before: more than 20 items/);
  });

  it('refuses a message id that is missing, or of another type or host', () => {
    expect(parseFleetMessage('logwarden.web-1.hits', bytes(hit), undefined)).toMatchObject({
      reason: 'Nats-Msg-Id: missing',
    });
    expect(parse('logwarden.web-1.hits', hit, 'hit:web-2:1')).toMatchObject({
      reason: 'Nats-Msg-Id: not a hit id of host web-1',
    });
    expect(parse('logwarden.web-1.status', status, 'evt:web-1:1')).toMatchObject({
      reason: 'Nats-Msg-Id: not a status id of host web-1',
    });
    const ctx = { ...env, type: 'context', hit: 'hit:web-1:x', context: { before: [], after: [] } };
    expect(parse('logwarden.web-1.hits', ctx, 'ctx:hit:web-1:y')).toMatchObject({
      reason: 'hit: not the hit the Nats-Msg-Id names',
    });
  });

  it('refuses what is not JSON, and subjects outside the stream', () => {
    expect(
      parseFleetMessage('logwarden.web-1.hits', new Uint8Array([0xff, 0xfe]), 'hit:web-1:1'),
    ).toMatchObject({
      ok: false,
      reason: 'message: not JSON in UTF-8',
    });
    expect(parse('logwarden.Web.hits', hit)).toMatchObject({ ok: false, host: null });
  });
});
