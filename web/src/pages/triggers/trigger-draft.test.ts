import { describe, expect, it } from 'vitest';
import { SECRET_PLACEHOLDER, type Trigger } from '../../api/triggers';
import { channelInput, CHANNELS, defaultChannel } from './channels';
import { draftOfTrigger, NEW_TRIGGER, triggerInput } from './trigger-draft';

const stored: Trigger = {
  id: 3,
  name: 'ops',
  enabled: true,
  filter: { severities: ['critical'], sources: [], workloads: [], message_regex: '' },
  channel: { type: 'telegram', chat_id: '42' },
  secret: SECRET_PLACEHOLDER,
};

describe('trigger drafts', () => {
  it('sends the placeholder back for an untouched stored secret, so it is kept', () => {
    const draft = draftOfTrigger(stored);
    expect(draft.secret).toBe('');
    expect(draft.secretStored).toBe(true);
    expect(triggerInput(draft).secret).toBe(SECRET_PLACEHOLDER);
    expect(triggerInput({ ...draft, secret: 'new-bot-token' }).secret).toBe('new-bot-token');
  });

  it('sends no secret for a new trigger without one', () => {
    expect(triggerInput(NEW_TRIGGER).secret).toBeNull();
  });

  it("sends only the channel type's own fields, numbers as numbers", () => {
    expect(
      channelInput({
        type: 'email',
        smtp_host: 'mail',
        smtp_port: '465',
        url: 'left over',
        to: '',
      }),
    ).toEqual({ type: 'email', smtp_host: 'mail', smtp_port: 465 });
    expect(defaultChannel('ntfy')).toEqual({ type: 'ntfy', server_url: 'https://ntfy.sh' });
  });

  it('has one spec per channel type of the API', () => {
    expect(CHANNELS.map((c) => c.type).sort()).toEqual(
      ['discord', 'email', 'gotify', 'ntfy', 'slack', 'telegram', 'webhook'].sort(),
    );
  });
});
