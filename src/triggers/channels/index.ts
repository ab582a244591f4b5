import type { ChannelConfig, ChannelType } from '../model.js';
import type { Channel, ChannelDeps, ChannelSpec } from './channel.js';
import { discordSpec } from './discord.js';
import { emailSpec } from './email.js';
import { gotifySpec } from './gotify.js';
import { ntfySpec } from './ntfy.js';
import { slackSpec } from './slack.js';
import { telegramSpec } from './telegram.js';
import { webhookSpec } from './webhook.js';

export type {
  AddressResolver,
  Channel,
  ChannelDeps,
  ChannelSpec,
  HttpPoster,
  SendContext,
  SendOutcome,
  Target,
} from './channel.js';
export { FieldReader } from './fields.js';
export { parseRetryAfter } from './http-outcome.js';

const SPECS: { [T in ChannelType]: ChannelSpec<Extract<ChannelConfig, { type: T }>> } = {
  webhook: webhookSpec,
  slack: slackSpec,
  discord: discordSpec,
  ntfy: ntfySpec,
  gotify: gotifySpec,
  telegram: telegramSpec,
  email: emailSpec,
};

export function channelSpec(type: ChannelType): ChannelSpec {
  return SPECS[type] as unknown as ChannelSpec;
}

export function createChannel(config: ChannelConfig, deps: ChannelDeps): Channel {
  return channelSpec(config.type).create(config, deps);
}

/** Builds a trigger's channel with its secret; what the worker and test sends use. */
export interface ChannelFactory {
  create(trigger: { channel: ChannelConfig; secret: string }): Channel;
}

export function channelFactory(deps: Omit<ChannelDeps, 'secret'>): ChannelFactory {
  return {
    create: (trigger) => createChannel(trigger.channel, { ...deps, secret: trigger.secret }),
  };
}
