import { describe, expect, it } from 'vitest';
import type { Delivery, DeliveryStatus } from '../../api/triggers';
import { mergeDeliveries, refreshNewest } from './delivery-pages';

const d = (id: number, status: DeliveryStatus = 'sent'): Delivery => ({
  id,
  trigger_id: 1,
  event_id: id * 10,
  channel: 'webhook',
  status,
  attempts: 1,
  next_attempt_at: null,
  last_status_code: 200,
  last_error: null,
  latency_ms: 5,
  message_id: `msg_${id}`,
  created_at: '2026-01-01T00:00:00.000Z',
  updated_at: '2026-01-01T00:00:00.000Z',
  sent_at: null,
  transition: 'event',
  incident_id: null,
});

describe('delivery history', () => {
  it('merges newest first, the fresher copy winning', () => {
    const merged = mergeDeliveries([d(2, 'sent')], [d(3), d(2, 'pending'), d(1)]);
    expect(merged.map((x) => [x.id, x.status])).toEqual([
      [3, 'sent'],
      [2, 'sent'],
      [1, 'sent'],
    ]);
  });

  it('replaces the newest page on a refresh and keeps the older pages shown', () => {
    const shown = [d(5, 'pending'), d(4, 'pending'), d(2), d(1)];
    // Filtered on pending: 5 is sent by now, 6 is new; the page ends at 4.
    expect(
      refreshNewest(shown, { items: [d(6, 'pending'), d(4, 'pending')], next: 4 }).map((x) => x.id),
    ).toEqual([6, 4, 2, 1]);
    expect(refreshNewest(shown, { items: [d(6)], next: null }).map((x) => x.id)).toEqual([6]);
  });
});
