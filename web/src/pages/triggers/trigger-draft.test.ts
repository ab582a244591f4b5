import { describe, expect, it } from 'vitest';
import { SECRET_PLACEHOLDER, type Trigger } from '../../api/triggers';
import { CHANNELS } from './channels';
import {
  channelDraft,
  channelInput,
  draftOfTrigger,
  generateSigningSecret,
  headerRow,
  NEW_TRIGGER,
  newChannel,
  triggerInput,
} from './trigger-draft';

const stored: Trigger = {
  id: 3,
  name: 'ops',
  enabled: true,
  filter: {
    severities: ['critical'],
    sources: [],
    workloads: [],
    hosts: ['web-1', 'local'],
    message_regex: '',
  },
  channel: {
    type: 'telegram',
    api_url: 'https://api.telegram.org',
    bot_token: SECRET_PLACEHOLDER,
    chat_id: '42',
    text_template: null,
  },
  secret: SECRET_PLACEHOLDER,
  disabled_reason: null,
  group_wait_seconds: 0,
  group_interval_seconds: 0,
  notify_on: ['opened', 'resolved'],
  repeat_interval_seconds: 0,
  context_wait_seconds: 7,
  created_at: '2026-01-01T00:00:00.000Z',
  updated_at: '2026-01-01T00:00:00.000Z',
};

describe('trigger drafts', () => {
  it('keeps the wait for the lines after a hit, 3 s for a new trigger', () => {
    expect(triggerInput(draftOfTrigger(stored)).context_wait_seconds).toBe(7);
    expect(triggerInput(NEW_TRIGGER).context_wait_seconds).toBe(3);
    const typed = { ...NEW_TRIGGER, context_wait_seconds: 'soon' };
    expect(triggerInput(typed).context_wait_seconds).toBe('soon');
  });

  it('notifies incidents opened and resolved for a new trigger, and keeps what a stored one asks', () => {
    expect(triggerInput(NEW_TRIGGER)).toMatchObject({
      notify_on: ['opened', 'resolved'],
      repeat_interval_seconds: 0,
    });
    const edited = draftOfTrigger({
      ...stored,
      notify_on: ['event'],
      repeat_interval_seconds: 600,
    });
    expect(triggerInput(edited)).toMatchObject({
      notify_on: ['event'],
      repeat_interval_seconds: 600,
    });
    expect(
      triggerInput({ ...edited, repeat_interval_seconds: 'often' }).repeat_interval_seconds,
    ).toBe('often');
  });

  it('shows the host filter as text and sends it back as a list; empty is every host', () => {
    const draft = draftOfTrigger(stored);
    expect(draft.filter.hosts).toBe('web-1, local');
    expect(triggerInput(draft).filter?.hosts).toEqual(['web-1', 'local']);
    const edited = { ...draft, filter: { ...draft.filter, hosts: ' db-2 ,, local ' } };
    expect(triggerInput(edited).filter?.hosts).toEqual(['db-2', 'local']);
    expect(triggerInput(NEW_TRIGGER).filter?.hosts).toEqual([]);
  });

  it('sends the placeholder back for an untouched write-only setting, so it is kept', () => {
    const draft = draftOfTrigger(stored);
    expect(draft.channel.values.bot_token).toBe('');
    expect(draft.channel.stored).toEqual(['bot_token']);
    expect(triggerInput(draft).channel).toEqual({
      type: 'telegram',
      api_url: 'https://api.telegram.org',
      bot_token: SECRET_PLACEHOLDER,
      chat_id: '42',
      text_template: null,
    });
    const replaced = {
      ...draft.channel,
      values: { ...draft.channel.values, bot_token: '123:new' },
    };
    expect(channelInput(replaced).bot_token).toBe('123:new');
  });

  it('sends a removed optional secret as null, which clears it', () => {
    const ntfy = channelDraft({
      type: 'ntfy',
      server: 'https://ntfy.sh',
      topic: 'ops',
      token: SECRET_PLACEHOLDER,
      title_template: null,
      message_template: null,
    });
    expect(channelInput(ntfy).token).toBe(SECRET_PLACEHOLDER);
    expect(channelInput({ ...ntfy, stored: [] }).token).toBeNull();
  });

  it('sends the signing secret only when one was typed or generated', () => {
    expect('secret' in triggerInput(NEW_TRIGGER)).toBe(false);
    expect('secret' in triggerInput(draftOfTrigger(stored))).toBe(false);
    const secret = generateSigningSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(triggerInput({ ...NEW_TRIGGER, secret }).secret).toBe(secret);
  });

  it('sends e-mail recipients as a list and the port as a number', () => {
    const email = newChannel('email');
    const input = channelInput({
      ...email,
      values: { ...email.values, host: 'mail', port: '465', to: 'a@x.net, b@x.net;\nc@x.net' },
    });
    expect(input).toMatchObject({
      type: 'email',
      host: 'mail',
      port: 465,
      security: 'starttls',
      to: ['a@x.net', 'b@x.net', 'c@x.net'],
      password: null,
    });
    expect(
      channelInput({ ...email, values: { ...email.values, port: 'abc' } }).port,
      'a port that is not a number goes as typed, for the server to name',
    ).toBe('abc');
  });

  it('keeps stored webhook header values and sends new ones', () => {
    const draft = channelDraft({
      type: 'webhook',
      url: 'https://r.example/hook',
      headers: { authorization: SECRET_PLACEHOLDER },
      body_template: null,
    });
    expect(draft.headers.map((h) => [h.name, h.value, h.stored])).toEqual([
      ['authorization', '', true],
    ]);
    const input = channelInput({
      ...draft,
      headers: [...draft.headers, headerRow('x-team', 'ops'), headerRow('  ', 'ignored')],
    });
    expect(input.headers).toEqual({ authorization: SECRET_PLACEHOLDER, 'x-team': 'ops' });
  });

  it('starts each channel type with its own settings only', () => {
    expect(newChannel('ntfy').values).toEqual({
      server: 'https://ntfy.sh',
      topic: '',
      token: '',
      title_template: '',
      message_template: '',
    });
    expect(CHANNELS.map((c) => c.type).sort()).toEqual(
      ['discord', 'email', 'gotify', 'ntfy', 'slack', 'telegram', 'webhook'].sort(),
    );
  });
});
