import type { Logger } from 'pino';
import { AppError, ErrorCode } from '../errors.js';
import { channelSpec, FieldReader, type ChannelFactory } from './channels/index.js';
import { parseFilter } from './filter.js';
import type { DeliveryJournal } from './journal.js';
import type { CredentialRegistry } from './known-credentials.js';
import {
  CHANNEL_TYPES,
  DEFAULT_CONTEXT_WAIT_SECONDS,
  EMPTY_FILTER,
  MAX_GROUP_INTERVAL_SECONDS,
  MAX_GROUP_WAIT_SECONDS,
  DEFAULT_NOTIFY_ON,
  MAX_CONTEXT_WAIT_SECONDS,
  MAX_NAME_LENGTH,
  MAX_REPEAT_INTERVAL_SECONDS,
  MAX_TRIGGERS,
  NOTIFY_ON,
  type NotifyOn,
  PLACEHOLDER,
  type ChannelConfig,
  type ChannelType,
  type Trigger,
  type TriggerFields,
  type TriggerInput,
} from './model.js';
import { buildPayload, testEvent, type NameDirectory } from './channels/payload.js';
import { resolvePlaceholders } from './redact.js';
import type { TriggerRepository } from './repository.js';
import { generateSecret, newMessageId, secretProblem } from './secret.js';

/** Save-time address checks (SafeHttp): the reason a target is refused, or null. */
export interface TargetChecker {
  checkUrl(url: string): Promise<string | null>;
  checkHost(host: string): Promise<string | null>;
}

/** Told after every change, so the dispatcher matches with the current triggers. */
export interface TriggersReloader {
  reload(): Promise<unknown>;
}

export interface TestSendResult {
  ok: boolean;
  status: 'sent' | 'failed';
  status_code: number | null;
  latency_ms: number;
  error: string | null;
}

export interface CreatedTrigger {
  trigger: Trigger;
  /** The secret Logwarden generated, shown this once; null when the caller sent one. */
  generated_secret: string | null;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

function parseName(value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '')
    throw AppError.validation('name', 'must be a non-empty string');
  if (value.trim().length > MAX_NAME_LENGTH)
    throw AppError.validation('name', `must be at most ${MAX_NAME_LENGTH} characters`);
  return value.trim();
}

function parseNotifyOn(value: unknown): NotifyOn[] {
  if (!Array.isArray(value) || value.length === 0)
    throw AppError.validation('notify_on', `must be a non-empty list of ${NOTIFY_ON.join(', ')}`);
  for (const item of value)
    if (typeof item !== 'string' || !(NOTIFY_ON as readonly string[]).includes(item))
      throw AppError.validation(
        'notify_on',
        `unknown transition ${JSON.stringify(item)} (one of ${NOTIFY_ON.join(', ')})`,
      );
  // In the canonical order, once each.
  return NOTIFY_ON.filter((n) => (value as unknown[]).includes(n));
}

function parseRepeatInterval(value: unknown): number {
  if (
    typeof value !== 'number' ||
    !Number.isInteger(value) ||
    value < 0 ||
    value > MAX_REPEAT_INTERVAL_SECONDS
  )
    throw AppError.validation(
      'repeat_interval_seconds',
      `must be an integer from 0 (no reminders) to ${MAX_REPEAT_INTERVAL_SECONDS}`,
    );
  return value;
}

function parseContextWait(value: unknown): number {
  if (
    typeof value !== 'number' ||
    !Number.isInteger(value) ||
    value < 0 ||
    value > MAX_CONTEXT_WAIT_SECONDS
  )
    throw AppError.validation(
      'context_wait_seconds',
      `must be a whole number from 0 to ${MAX_CONTEXT_WAIT_SECONDS}`,
    );
  return value;
}

/** A new secret to store, or undefined to keep the stored one. */
function parseSecret(value: unknown, stored: string | null): string | undefined {
  if (value === undefined) return undefined;
  if (value === PLACEHOLDER) {
    if (stored === null)
      throw AppError.validation(
        'secret',
        `${PLACEHOLDER} keeps the stored secret, and there is none`,
      );
    return undefined;
  }
  if (typeof value !== 'string') throw AppError.validation('secret', 'must be a string');
  const problem = secretProblem(value);
  if (problem) throw AppError.validation('secret', problem);
  return value;
}

/** A grouping setting: whole seconds from 0 (off) to `max`. */
function parseSeconds(field: string, value: unknown, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > max)
    throw AppError.validation(field, `must be a whole number of seconds from 0 (off) to ${max}`);
  return value;
}

/**
 * Trigger management: validation (each channel checks its own settings), write-only
 * credentials, save-time target checks, a dispatcher reload after each change, and
 * test sends.
 */
export class TriggersService {
  constructor(
    private readonly deps: {
      repo: TriggerRepository;
      targets: TargetChecker;
      channels: ChannelFactory;
      names: NameDirectory;
      dispatcher: TriggersReloader;
      journal: DeliveryJournal;
      /** Kept current so the operations journal knows every credential to keep out. */
      credentials?: CredentialRegistry;
      log?: Logger;
      now?: () => number;
    },
  ) {}

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }

  list(): Promise<Trigger[]> {
    return this.deps.repo.list();
  }

  async get(id: number): Promise<Trigger> {
    const trigger = await this.deps.repo.get(id);
    if (!trigger) throw AppError.notFound('trigger', id);
    return trigger;
  }

  async create(input: TriggerInput): Promise<CreatedTrigger> {
    if (input.name === undefined) throw AppError.validation('name', 'is required');
    if (input.channel === undefined) throw AppError.validation('channel', 'is required');
    if (input.enabled !== undefined && typeof input.enabled !== 'boolean')
      throw AppError.validation('enabled', 'must be a boolean');
    const name = parseName(input.name);
    const contextWait =
      input.context_wait_seconds === undefined
        ? DEFAULT_CONTEXT_WAIT_SECONDS
        : parseContextWait(input.context_wait_seconds);
    const filter =
      input.filter === undefined ? { ...EMPTY_FILTER } : parseFilter(input.filter, EMPTY_FILTER);
    const channel = await this.parseChannel(input.channel, null);
    const given = input.secret === undefined || input.secret === null ? undefined : input.secret;
    const secret = parseSecret(given, null);
    if ((await this.deps.repo.count()) >= MAX_TRIGGERS)
      throw new AppError(ErrorCode.Conflict, `at most ${MAX_TRIGGERS} triggers can exist`);
    const fields: TriggerFields = {
      name,
      enabled: input.enabled ?? true,
      filter,
      channel,
      secret: secret ?? generateSecret(),
      disabled_reason: null,
      group_wait_seconds:
        input.group_wait_seconds === undefined
          ? 0
          : parseSeconds('group_wait_seconds', input.group_wait_seconds, MAX_GROUP_WAIT_SECONDS),
      group_interval_seconds:
        input.group_interval_seconds === undefined
          ? 0
          : parseSeconds(
              'group_interval_seconds',
              input.group_interval_seconds,
              MAX_GROUP_INTERVAL_SECONDS,
            ),
      notify_on:
        input.notify_on === undefined ? [...DEFAULT_NOTIFY_ON] : parseNotifyOn(input.notify_on),
      repeat_interval_seconds:
        input.repeat_interval_seconds === undefined
          ? 0
          : parseRepeatInterval(input.repeat_interval_seconds),
      context_wait_seconds: contextWait,
    };
    const trigger = await this.deps.repo.insert(fields, this.now());
    this.deps.credentials?.remember(trigger);
    await this.reload();
    return { trigger, generated_secret: secret === undefined ? trigger.secret : null };
  }

  /** Changes only the fields sent; nested filter and channel fields merge the same way. */
  async update(id: number, input: TriggerInput): Promise<Trigger> {
    const existing = await this.get(id);
    const fields: Partial<TriggerFields> = {};
    if (input.name !== undefined) fields.name = parseName(input.name);
    if (input.enabled !== undefined) {
      if (typeof input.enabled !== 'boolean')
        throw AppError.validation('enabled', 'must be a boolean');
      fields.enabled = input.enabled;
      // Switched by hand: whatever turned it off no longer applies.
      fields.disabled_reason = null;
    }
    if (input.filter !== undefined) fields.filter = parseFilter(input.filter, existing.filter);
    if (input.context_wait_seconds !== undefined)
      fields.context_wait_seconds = parseContextWait(input.context_wait_seconds);
    if (input.channel !== undefined)
      fields.channel = await this.parseChannel(input.channel, existing.channel);
    const secret = parseSecret(input.secret, existing.secret);
    if (secret !== undefined) fields.secret = secret;
    if (input.group_wait_seconds !== undefined)
      fields.group_wait_seconds = parseSeconds(
        'group_wait_seconds',
        input.group_wait_seconds,
        MAX_GROUP_WAIT_SECONDS,
      );
    if (input.group_interval_seconds !== undefined)
      fields.group_interval_seconds = parseSeconds(
        'group_interval_seconds',
        input.group_interval_seconds,
        MAX_GROUP_INTERVAL_SECONDS,
      );
    if (input.notify_on !== undefined) fields.notify_on = parseNotifyOn(input.notify_on);
    if (input.repeat_interval_seconds !== undefined)
      fields.repeat_interval_seconds = parseRepeatInterval(input.repeat_interval_seconds);
    if (Object.keys(fields).length === 0) return existing;
    const updated = await this.deps.repo.update(id, fields, this.now());
    if (!updated) throw AppError.notFound('trigger', id);
    this.deps.credentials?.remember(updated);
    await this.reload();
    return updated;
  }

  async delete(id: number): Promise<void> {
    if (!(await this.deps.repo.delete(id))) throw AppError.notFound('trigger', id);
    this.deps.credentials?.forget(id);
    await this.reload();
  }

  /** Turns a trigger off with the reason (a receiver that answered 410 Gone). */
  async disable(id: number, reason: string): Promise<void> {
    const updated = await this.deps.repo.update(
      id,
      { enabled: false, disabled_reason: reason },
      this.now(),
    );
    if (!updated) return;
    this.deps.log?.warn({ trigger_id: id, reason }, 'trigger disabled');
    this.deps.journal.record({
      action: 'trigger.disabled',
      trigger_id: id,
      trigger_name: updated.name,
      channel: updated.channel.type,
      delivery_id: null,
      event_id: null,
      attempt: null,
      status_code: null,
      error: reason,
      latency_ms: null,
    });
    await this.reload();
  }

  /** Sends a payload of the real shape, marked test, once and now; nothing is stored. */
  async test(id: number): Promise<TestSendResult> {
    const trigger = await this.get(id);
    const now = this.now();
    const payload = await buildPayload(
      trigger,
      testEvent(trigger, now),
      this.deps.names,
      now,
      true,
    );
    const outcome = await this.deps.channels
      .create(trigger)
      .send(payload, { message_id: newMessageId() });
    this.deps.journal.record({
      action: 'delivery.test',
      trigger_id: trigger.id,
      trigger_name: trigger.name,
      channel: trigger.channel.type,
      delivery_id: null,
      event_id: null,
      attempt: 1,
      status_code: outcome.status_code,
      error: outcome.error,
      latency_ms: outcome.latency_ms,
    });
    return {
      ok: outcome.ok,
      status: outcome.ok ? 'sent' : 'failed',
      status_code: outcome.status_code,
      latency_ms: outcome.latency_ms,
      error: outcome.error,
    };
  }

  /**
   * The channel settings sent, merged over the stored ones when the type stays the
   * same, checked by the channel, then its targets checked where they changed.
   */
  private async parseChannel(input: unknown, stored: ChannelConfig | null): Promise<ChannelConfig> {
    if (!isObject(input)) throw AppError.validation('channel', 'must be an object');
    const type = input.type ?? stored?.type;
    if (typeof type !== 'string' || !(CHANNEL_TYPES as readonly string[]).includes(type))
      throw AppError.validation('channel.type', `must be one of ${CHANNEL_TYPES.join(', ')}`);
    const same = stored !== null && stored.type === type ? stored : null;
    const merged = { ...(same ?? {}), ...input, type };
    const resolved = resolvePlaceholders(type as ChannelType, merged, same);
    const spec = channelSpec(type as ChannelType);
    const config = spec.parse(new FieldReader(resolved));
    const before = same ? spec.targets(same) : [];
    for (const target of spec.targets(config)) {
      const unchanged = before.some((b) => JSON.stringify(b) === JSON.stringify(target));
      if (unchanged) continue;
      const reason =
        'url' in target
          ? await this.deps.targets.checkUrl(target.url)
          : await this.deps.targets.checkHost(target.host);
      if (reason) throw AppError.validation(target.field, `target refused: ${reason}`);
    }
    return config;
  }

  /** The change is stored; a failed reload is logged and the next one catches up. */
  private async reload(): Promise<void> {
    try {
      await this.deps.dispatcher.reload();
    } catch (err) {
      this.deps.log?.error({ err }, 'triggers changed but the dispatcher reload failed');
    }
  }
}
