import type { Kysely, Selectable, Transaction } from 'kysely';
import type { Database, HostsTable } from '../store/index.js';

/** A Docker host an agent reports on. Times are milliseconds since the epoch. */
export interface Host {
  id: string;
  name: string;
  engine_id: string | null;
  agent_version: string | null;
  docker_version: string | null;
  docker_reachable: boolean;
  rule_revision: number | null;
  /** The reporting agent's random id per start. */
  agent_boot: string | null;
  first_seen_at: number;
  last_seen_at: number;
  containers: number;
  /** Since when the host is known to be silent (an event said so); null while it reports. */
  silent_since: number | null;
  /** The boot that reported before agent_boot. */
  previous_boot: string | null;
  /** When the boot before the current one last reported again: two agents share the id. */
  boot_clash_at: number | null;
  /** When an event last said so. */
  boot_clash_said_at: number | null;
}

/** What an agent's status says of its host. */
export interface HostReport {
  name: string;
  engine_id: string;
  agent_version: string;
  docker_version: string | null;
  docker_reachable: boolean;
  rule_revision: number | null;
  agent_boot: string;
  containers: number;
}

type Db = Kysely<Database> | Transaction<Database>;

function toHost(row: Selectable<HostsTable>): Host {
  return {
    id: row.id,
    name: row.name,
    engine_id: row.engine_id,
    agent_version: row.agent_version,
    docker_version: row.docker_version,
    docker_reachable: Number(row.docker_reachable) === 1,
    rule_revision: row.rule_revision === null ? null : Number(row.rule_revision),
    agent_boot: row.agent_boot,
    first_seen_at: Number(row.first_seen_at),
    last_seen_at: Number(row.last_seen_at),
    containers: Number(row.containers),
    silent_since: orNull(row.silent_since),
    previous_boot: row.previous_boot,
    boot_clash_at: orNull(row.boot_clash_at),
    boot_clash_said_at: orNull(row.boot_clash_said_at),
  };
}

const orNull = (value: number | string | null): number | null =>
  value === null ? null : Number(value);

/** Connected: the host's agent reported within the last `silentAfterMs`. */
export function isConnected(
  host: Pick<Host, 'last_seen_at'>,
  silentAfterMs: number,
  now: number,
): boolean {
  return host.last_seen_at >= now - silentAfterMs;
}

/** Table access for hosts; nothing else. */
export class HostRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async list(): Promise<Host[]> {
    const rows = await this.db.selectFrom('hosts').selectAll().orderBy('id').execute();
    return rows.map(toHost);
  }

  async get(id: string): Promise<Host | null> {
    const row = await this.db
      .selectFrom('hosts')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? toHost(row) : null;
  }

  /**
   * What a status says, seen at `seenAt`; the first one sets first_seen_at. A report
   * older than the one stored is dropped: two replicas may handle one host's statuses
   * out of order. A report from the boot before the current one marks a clash: a
   * restarted agent's old boot does not come back, a second agent's does, every 15 s.
   */
  async recordReport(id: string, report: HostReport, seenAt: number, db: Db = this.db) {
    const values = {
      name: report.name,
      engine_id: report.engine_id,
      agent_version: report.agent_version,
      docker_version: report.docker_version,
      docker_reachable: report.docker_reachable ? 1 : 0,
      rule_revision: report.rule_revision,
      agent_boot: report.agent_boot,
      containers: report.containers,
      last_seen_at: seenAt,
    };
    await db
      .insertInto('hosts')
      .values({ id, ...values, first_seen_at: seenAt, silent_since: null })
      .onConflict((oc) =>
        oc
          .column('id')
          .doUpdateSet((eb) => {
            const bootChanged = eb('hosts.agent_boot', '<>', report.agent_boot);
            return {
              ...values,
              previous_boot: eb
                .case()
                .when(bootChanged)
                .then(eb.ref('hosts.agent_boot'))
                .else(eb.ref('hosts.previous_boot'))
                .end(),
              boot_clash_at: eb
                .case()
                .when(eb.and([bootChanged, eb('hosts.previous_boot', '=', report.agent_boot)]))
                .then(seenAt)
                .else(eb.ref('hosts.boot_clash_at'))
                .end(),
            };
          })
          .where('hosts.last_seen_at', '<=', seenAt),
      )
      .execute();
  }

  /** Hosts not heard from since `cutoff` and not yet said to be silent. */
  async newlySilent(cutoff: number): Promise<Host[]> {
    const rows = await this.db
      .selectFrom('hosts')
      .selectAll()
      .where('silent_since', 'is', null)
      .where('last_seen_at', '<', cutoff)
      .orderBy('id')
      .execute();
    return rows.map(toHost);
  }

  /**
   * Hosts with a clash not said yet: one seen since the last event about it, which is at
   * least `quietMs` old (a clash goes on for as long as both agents run).
   */
  async clashesToSay(now: number, quietMs: number): Promise<Host[]> {
    const rows = await this.db
      .selectFrom('hosts')
      .selectAll()
      .where('boot_clash_at', 'is not', null)
      .where((eb) =>
        eb.or([
          eb('boot_clash_said_at', 'is', null),
          eb.and([
            eb('boot_clash_at', '>', eb.ref('boot_clash_said_at')),
            eb('boot_clash_said_at', '<=', now - quietMs),
          ]),
        ]),
      )
      .orderBy('id')
      .execute();
    return rows.map(toHost);
  }

  /** Records that an event said the clash at `at`; true when this call did (one replica). */
  async markClashSaid(id: string, said: number | null, at: number, db: Db = this.db) {
    const result = await db
      .updateTable('hosts')
      .set({ boot_clash_said_at: at })
      .where('id', '=', id)
      .where('boot_clash_said_at', said === null ? 'is' : '=', said)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Hosts said to be silent that reported since. */
  async returned(): Promise<Host[]> {
    const rows = await this.db
      .selectFrom('hosts')
      .selectAll()
      .where('silent_since', 'is not', null)
      .whereRef('last_seen_at', '>', 'silent_since')
      .orderBy('id')
      .execute();
    return rows.map(toHost);
  }

  /**
   * Marks a host silent since `since` unless it is already (or reported again after
   * `cutoff`); true when this call marked it, so of several replicas only one says so.
   */
  async markSilent(id: string, since: number, cutoff: number, db: Db = this.db) {
    const result = await db
      .updateTable('hosts')
      .set({ silent_since: since })
      .where('id', '=', id)
      .where('silent_since', 'is', null)
      .where('last_seen_at', '<', cutoff)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Clears the mark `silentSince`; true when this call cleared it. */
  async markReturned(id: string, silentSince: number, db: Db = this.db): Promise<boolean> {
    const result = await db
      .updateTable('hosts')
      .set({ silent_since: null })
      .where('id', '=', id)
      .where('silent_since', '=', silentSince)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }
}
