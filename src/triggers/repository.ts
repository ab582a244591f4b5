import type { Insertable, Kysely, Selectable, Updateable } from 'kysely';
import type { Database, EventTriggersTable } from '../store/index.js';
import {
  EMPTY_FILTER,
  type ChannelConfig,
  type NotifyOn,
  type Trigger,
  type TriggerFields,
  type TriggerFilter,
} from './model.js';

function toTrigger(row: Selectable<EventTriggersTable>): Trigger {
  return {
    id: Number(row.id),
    name: row.name,
    enabled: Number(row.enabled) === 1,
    filter: { ...EMPTY_FILTER, ...(JSON.parse(row.filter) as Partial<TriggerFilter>) },
    channel: JSON.parse(row.channel) as ChannelConfig,
    secret: row.secret,
    disabled_reason: row.disabled_reason,
    group_wait_seconds: Number(row.group_wait_seconds ?? 0),
    group_interval_seconds: Number(row.group_interval_seconds ?? 0),
    notify_on: JSON.parse(row.notify_on) as NotifyOn[],
    repeat_interval_seconds: Number(row.repeat_interval_seconds),
    context_wait_seconds: Number(row.context_wait_seconds),
    created_at: Number(row.created_at),
    updated_at: Number(row.updated_at),
  };
}

function toRow(fields: Partial<TriggerFields>): Updateable<EventTriggersTable> {
  const row: Updateable<EventTriggersTable> = {};
  if (fields.name !== undefined) row.name = fields.name;
  if (fields.enabled !== undefined) row.enabled = fields.enabled ? 1 : 0;
  if (fields.filter !== undefined) row.filter = JSON.stringify(fields.filter);
  if (fields.channel !== undefined) {
    row.channel_type = fields.channel.type;
    row.channel = JSON.stringify(fields.channel);
  }
  if (fields.secret !== undefined) row.secret = fields.secret;
  if (fields.disabled_reason !== undefined) row.disabled_reason = fields.disabled_reason;
  if (fields.group_wait_seconds !== undefined) row.group_wait_seconds = fields.group_wait_seconds;
  if (fields.group_interval_seconds !== undefined)
    row.group_interval_seconds = fields.group_interval_seconds;
  if (fields.notify_on !== undefined) row.notify_on = JSON.stringify(fields.notify_on);
  if (fields.repeat_interval_seconds !== undefined)
    row.repeat_interval_seconds = fields.repeat_interval_seconds;
  if (fields.context_wait_seconds !== undefined)
    row.context_wait_seconds = fields.context_wait_seconds;
  return row;
}

/** Table access for `event_triggers`. */
export class TriggerRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async list(filter: { enabled?: boolean } = {}): Promise<Trigger[]> {
    let query = this.db.selectFrom('event_triggers').selectAll();
    if (filter.enabled !== undefined) query = query.where('enabled', '=', filter.enabled ? 1 : 0);
    return (await query.orderBy('id').execute()).map(toTrigger);
  }

  async get(id: number): Promise<Trigger | null> {
    const row = await this.db
      .selectFrom('event_triggers')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? toTrigger(row) : null;
  }

  async count(): Promise<number> {
    const row = await this.db
      .selectFrom('event_triggers')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async insert(fields: TriggerFields, now: number): Promise<Trigger> {
    const row = { ...toRow(fields), created_at: now, updated_at: now };
    const inserted = await this.db
      .insertInto('event_triggers')
      .values(row as Insertable<EventTriggersTable>)
      .returningAll()
      .executeTakeFirstOrThrow();
    return toTrigger(inserted);
  }

  async update(id: number, fields: Partial<TriggerFields>, now: number): Promise<Trigger | null> {
    const updated = await this.db
      .updateTable('event_triggers')
      .set({ ...toRow(fields), updated_at: now })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    return updated ? toTrigger(updated) : null;
  }

  /** Deletes the trigger; its deliveries go with it (foreign key). */
  async delete(id: number): Promise<boolean> {
    const result = await this.db
      .deleteFrom('event_triggers')
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}
