import { describe, expect, it } from 'vitest';
// The server's own channel parsers: the editor must produce what they accept.
import { channelSpec as serverSpec, FieldReader } from '../../../../src/triggers/channels/index.js';
import { CHANNELS } from './channels';
import { channelInput, headerRow, newChannel } from './trigger-draft';

/** What an operator would type into each channel's required settings. */
const FILLED: Record<string, Record<string, string>> = {
  webhook: { url: 'https://hooks.example.net/lw', body_template: '{"m": "{{event.message}}"}' },
  slack: { url: 'https://hooks.slack.com/services/T/B/x', text_template: '{{event.message}}' },
  discord: { url: 'https://discord.com/api/webhooks/1/x', username: 'lw' },
  ntfy: { topic: 'ops-alerts', token: 'tk_abc', title_template: '{{trigger.name}}' },
  gotify: { server: 'https://gotify.example.net', token: 'AbC.dEf' },
  telegram: { bot_token: '123456:ABC-def_ghi', chat_id: '-1001234567890' },
  email: {
    host: 'smtp.example.net',
    port: '2525',
    username: 'alerts',
    password: 'pw',
    from: 'Logwarden <alerts@example.net>',
    to: 'ops@example.net, dev@example.net',
    subject_template: '[{{event.severity}}] {{trigger.name}}',
  },
};

describe("the trigger editor's channels against the server's", () => {
  for (const spec of CHANNELS) {
    it(`${spec.type}: a filled-in form parses, and the editor knows every setting`, () => {
      const draft = newChannel(spec.type);
      const input = channelInput({
        ...draft,
        values: { ...draft.values, ...FILLED[spec.type] },
        headers: spec.headers ? [headerRow('Authorization', 'Bearer x')] : [],
      });
      const parsed = serverSpec(spec.type).parse(new FieldReader(input)) as unknown as Record<
        string,
        unknown
      >;
      const settings = Object.keys(parsed).filter((k) => k !== 'type' && k !== 'headers');
      expect(settings.sort()).toEqual(spec.fields.map((f) => f.name).sort());
      const secrets = spec.fields.filter((f) => f.kind === 'secret').map((f) => f.name);
      expect(secrets.sort()).toEqual([...serverSpec(spec.type).secrets].sort());
      expect(Boolean(spec.headers)).toBe(serverSpec(spec.type).secretMaps.includes('headers'));
    });
  }

  it('a required setting left empty is refused naming that field', () => {
    expect(() =>
      serverSpec('gotify').parse(new FieldReader(channelInput(newChannel('gotify')))),
    ).toThrow(expect.objectContaining({ field: 'channel.server' }));
  });
});
