import { describe, expect, it } from 'vitest';
import { storedEvent } from '../../../test/support/fixtures.js';
import { buildGroupPayload } from './group.js';
import { NO_NAMES, defaultBody, defaultTitle } from './payload.js';

describe('a grouped message', () => {
  it('is titled with the worst severity and the count, one line per event, and says how many more', async () => {
    const events = Array.from({ length: 60 }, (_, i) =>
      storedEvent({
        id: i + 1,
        severity: i === 3 ? 'critical' : 'error',
        message: `exited\nwith ${i + 1}`,
        container_id: `c${i + 1}`,
        metadata: { name: `shop-svc${i + 1}-1` },
      }),
    );
    const payload = await buildGroupPayload(
      { id: 1, name: 'crashes' },
      events.map((event, i) => ({
        event,
        transition: i === 1 ? ('opened' as const) : ('event' as const),
        incident: null,
      })),
      NO_NAMES,
      0,
    );
    expect(defaultTitle(payload)).toBe('[critical] crashes: 60 events');
    const lines = defaultBody(payload).split('\n');
    expect(lines[0]).toBe('• shop-svc1-1: exited with 1');
    expect(lines[1]).toBe('• shop-svc2-1: [opened] exited with 2');
    expect(lines).toHaveLength(51);
    expect(lines[50]).toBe('… and 10 more');
    expect(payload.event.id).toBe(1);
    expect(payload.group).toMatchObject({ count: 60, more: 10 });
  });
});
