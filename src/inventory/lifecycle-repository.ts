import type { Kysely } from 'kysely';
import type { Database } from '../store/index.js';
import type { ContainerMemory } from './lifecycle.js';

/**
 * The lifecycle tracker's memory, one row per container, so what was already judged
 * (an exit recorded, a restart loop alerted) survives a restart of Logwarden.
 */
export class LifecycleRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: () => number = Date.now,
  ) {}

  async get(containerId: string): Promise<ContainerMemory | null> {
    const row = await this.db
      .selectFrom('container_lifecycle')
      .select('memory')
      .where('container_id', '=', containerId)
      .executeTakeFirst();
    return row ? (JSON.parse(row.memory) as ContainerMemory) : null;
  }

  async put(containerId: string, memory: ContainerMemory): Promise<void> {
    const values = {
      container_id: containerId,
      memory: JSON.stringify(memory),
      updated_at: this.now(),
    };
    await this.db
      .insertInto('container_lifecycle')
      .values(values)
      .onConflict((oc) =>
        oc
          .column('container_id')
          .doUpdateSet({ memory: values.memory, updated_at: values.updated_at }),
      )
      .execute();
  }

  async delete(containerId: string): Promise<void> {
    await this.db
      .deleteFrom('container_lifecycle')
      .where('container_id', '=', containerId)
      .execute();
  }
}
