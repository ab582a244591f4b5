import { AppError } from '../errors.js';
import { channelSpec } from './channels/index.js';
import { PLACEHOLDER, type ChannelConfig, type ChannelType, type Trigger } from './model.js';
import { isRedactedUrl, redactedUrl, urlCredential } from './url-redaction.js';

/** A trigger as the API shows it: every credential replaced by the placeholder. */
export interface PublicTrigger extends Omit<Trigger, 'channel' | 'secret'> {
  channel: Record<string, unknown>;
  secret: string;
}

/** Every write-only value of a trigger: its secret and its channel's credentials. */
export function credentialsOf(trigger: { channel: ChannelConfig; secret: string }): string[] {
  const spec = channelSpec(trigger.channel.type);
  const config = trigger.channel as unknown as Record<string, unknown>;
  const out: string[] = [trigger.secret];
  for (const field of spec.secrets) {
    const value = config[field];
    if (typeof value === 'string') out.push(value);
  }
  for (const field of spec.secretMaps) {
    const map = config[field];
    if (map && typeof map === 'object') out.push(...Object.values(map as Record<string, string>));
  }
  for (const field of spec.secretUrls) {
    const value = config[field];
    const hidden = typeof value === 'string' ? urlCredential(value) : null;
    if (hidden) out.push(value as string, hidden);
  }
  return out.filter((s) => typeof s === 'string' && s !== '');
}

/** The channel settings with write-only values replaced by the placeholder. */
export function redactChannel(config: ChannelConfig): Record<string, unknown> {
  const spec = channelSpec(config.type);
  const out: Record<string, unknown> = { ...config };
  for (const field of spec.secrets) if (out[field] != null) out[field] = PLACEHOLDER;
  for (const field of spec.secretUrls)
    if (typeof out[field] === 'string') out[field] = redactedUrl(out[field] as string);
  for (const field of spec.secretMaps) {
    const map = out[field] as Record<string, string> | undefined;
    if (map) out[field] = Object.fromEntries(Object.keys(map).map((k) => [k, PLACEHOLDER]));
  }
  return out;
}

export function publicTrigger(trigger: Trigger): PublicTrigger {
  return { ...trigger, channel: redactChannel(trigger.channel), secret: PLACEHOLDER };
}

/**
 * Replaces every placeholder in the settings sent by the stored value it stands for.
 * `stored` is null when there is nothing to keep (a new trigger, another channel type).
 * A redacted URL keeps the stored one only on the same origin: moving the hidden path
 * and query to another host would hand its token to that host.
 */
export function resolvePlaceholders(
  type: ChannelType,
  sent: Record<string, unknown>,
  stored: ChannelConfig | null,
): Record<string, unknown> {
  const spec = channelSpec(type);
  const kept = (stored ?? {}) as unknown as Record<string, unknown>;
  const out = { ...sent };
  const nothingToKeep = (field: string) =>
    AppError.validation(
      `channel.${field}`,
      `${PLACEHOLDER} keeps the stored value, and there is none; send the value itself`,
    );
  for (const field of spec.secrets) {
    if (out[field] !== PLACEHOLDER) continue;
    if (kept[field] == null) throw nothingToKeep(field);
    out[field] = kept[field];
  }
  for (const field of spec.secretUrls) {
    const value = out[field];
    if (typeof value !== 'string') continue;
    const sent = value.trim();
    if (sent !== PLACEHOLDER && !isRedactedUrl(sent)) continue;
    const keptUrl = kept[field];
    if (typeof keptUrl !== 'string') throw nothingToKeep(field);
    if (sent !== PLACEHOLDER && redactedUrl(sent) !== redactedUrl(keptUrl))
      throw AppError.validation(
        `channel.${field}`,
        `${redactedUrl(sent)} keeps the stored URL only on its own origin (${redactedUrl(keptUrl)}); send the whole URL to change where it goes`,
      );
    out[field] = keptUrl;
  }
  for (const field of spec.secretMaps) {
    const map = out[field];
    if (map === null || typeof map !== 'object' || Array.isArray(map)) continue;
    const keptMap = (kept[field] ?? {}) as Record<string, string>;
    const resolved: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(map as Record<string, unknown>)) {
      if (value === PLACEHOLDER && keptMap[key.toLowerCase()] === undefined)
        throw nothingToKeep(`${field}.${key}`);
      Object.defineProperty(resolved, key, {
        value: value === PLACEHOLDER ? keptMap[key.toLowerCase()] : value,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    out[field] = resolved;
  }
  return out;
}
