import { SECRET_PLACEHOLDER, type Trigger, type TriggerInput } from '../../api/triggers';
import { channelInput, defaultChannel } from './channels';

export interface TriggerDraft {
  name: string;
  enabled: boolean;
  filter: Trigger['filter'];
  channel: Trigger['channel'];
  /** What was typed; '' keeps a stored secret. */
  secret: string;
  /** Whether the server holds a secret for it. */
  secretStored: boolean;
}

export const NEW_TRIGGER: TriggerDraft = {
  name: '',
  enabled: true,
  filter: { severities: ['error', 'critical'], sources: [], workloads: [], message_regex: '' },
  channel: defaultChannel('webhook'),
  secret: '',
  secretStored: false,
};

export function draftOfTrigger(t: Trigger): TriggerDraft {
  return {
    name: t.name,
    enabled: t.enabled,
    filter: {
      severities: t.filter?.severities ?? [],
      sources: t.filter?.sources ?? [],
      workloads: t.filter?.workloads ?? [],
      message_regex: t.filter?.message_regex ?? '',
    },
    channel: t.channel,
    secret: '',
    secretStored: Boolean(t.secret),
  };
}

/**
 * The secret is write-only: an untouched field sends the placeholder back, which keeps
 * the stored one; a typed value replaces it.
 */
export function triggerInput(draft: TriggerDraft): TriggerInput {
  return {
    name: draft.name,
    enabled: draft.enabled,
    filter: draft.filter,
    channel: channelInput(draft.channel),
    secret: draft.secret !== '' ? draft.secret : draft.secretStored ? SECRET_PLACEHOLDER : null,
  };
}
