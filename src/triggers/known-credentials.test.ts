import { describe, expect, it } from 'vitest';
import { KnownCredentials } from './known-credentials.js';
import { EMPTY_FILTER, type ChannelConfig, type Trigger } from './model.js';

const trigger = (id: number, secret: string, channel: ChannelConfig): Trigger => ({
  id,
  name: `trigger ${id}`,
  enabled: true,
  filter: EMPTY_FILTER,
  channel,
  secret,
  disabled_reason: null,
  group_wait_seconds: 0,
  group_interval_seconds: 0,
  notify_on: ['event'],
  repeat_interval_seconds: 0,
  context_wait_seconds: 3,
  created_at: 0,
  updated_at: 0,
});

const webhook = (url: string, headers: Record<string, string> = {}): ChannelConfig => ({
  type: 'webhook',
  url,
  headers,
  body_template: null,
});

describe('KnownCredentials', () => {
  it('holds every credential of every stored trigger, and nothing else', async () => {
    const known = new KnownCredentials({
      list: async () => [
        trigger(1, 'whsec_one', webhook('https://h.example/p4th?token=q', { 'x-key': 'hk-1' })),
        trigger(2, 'whsec_two', {
          type: 'ntfy',
          server: 'https://ntfy.sh',
          topic: 'ops',
          token: 'tk_2',
          title_template: null,
          message_template: null,
        }),
        trigger(3, 'whsec_three', webhook('https://bare.example/')),
      ],
    });
    await known.load();
    expect([...known.values()].sort()).toEqual(
      [
        'whsec_one',
        'hk-1',
        'https://h.example/p4th?token=q',
        '/p4th?token=q',
        'whsec_two',
        'tk_2',
        'whsec_three',
      ].sort(),
    );
  });

  it('keeps replaced and deleted values known after the change', async () => {
    const known = new KnownCredentials({ list: async () => [] });
    known.remember(trigger(1, 'whsec_old', webhook('https://h.example/old-path')));
    known.remember(trigger(1, 'whsec_new', webhook('https://h.example/new-path')));
    expect(known.values()).toEqual(expect.arrayContaining(['whsec_old', 'whsec_new']));
    known.forget(1);
    expect(known.values()).toEqual(
      expect.arrayContaining(['whsec_old', 'whsec_new', '/old-path', '/new-path']),
    );
  });
});
