import type {
  CompiledQuery,
  DatabaseConnection,
  Dialect,
  Driver,
  QueryResult,
  TransactionSettings,
} from 'kysely';
import { classifyStoreFault, storeFaultError } from './store-fault.js';
import type { StoreWritability } from './writability.js';

/**
 * Wraps a dialect so every database call reports to the writability state: a store
 * fault (lock, full disk, lost server) becomes a DATABASE_UNAVAILABLE error that names
 * it and keeps the driver's error as its cause; a committed write says writes work.
 */
export function observedDialect(inner: Dialect, writability: StoreWritability): Dialect {
  return {
    createAdapter: () => inner.createAdapter(),
    createIntrospector: (db) => inner.createIntrospector(db),
    createQueryCompiler: () => inner.createQueryCompiler(),
    createDriver: () => new ObservedDriver(inner.createDriver(), writability),
  };
}

function translate(writability: StoreWritability, err: unknown): unknown {
  const fault = classifyStoreFault(err);
  if (fault === null) return err;
  // Already translated below us (a nested call): report once.
  if ((err as { code?: unknown }).code === 'DATABASE_UNAVAILABLE') return err;
  writability.failed(fault, err);
  return storeFaultError(fault, err);
}

const WRITE_KINDS = new Set([
  'InsertQueryNode',
  'UpdateQueryNode',
  'DeleteQueryNode',
  'MergeQueryNode',
]);

class ObservedDriver implements Driver {
  /**
   * Connections inside a transaction, and whether it changed a row yet: its writes count
   * when the commit does. A commit that wrote nothing proves nothing (no page hit the
   * disk), so it does not end a "disk full".
   */
  private readonly inTransaction = new WeakMap<DatabaseConnection, { wrote: boolean }>();

  constructor(
    private readonly inner: Driver,
    private readonly writability: StoreWritability,
  ) {}

  private async guard<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      throw translate(this.writability, err);
    }
  }

  init(): Promise<void> {
    return this.guard(() => this.inner.init());
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const connection = await this.guard(() => this.inner.acquireConnection());
    return new ObservedConnection(
      connection,
      () => {
        const tx = this.inTransaction.get(connection);
        if (tx) tx.wrote = true;
        else this.writability.succeeded();
      },
      this.writability,
    );
  }

  async beginTransaction(
    connection: DatabaseConnection,
    settings: TransactionSettings,
  ): Promise<void> {
    const inner = unwrap(connection);
    await this.guard(() => this.inner.beginTransaction(inner, settings));
    this.inTransaction.set(inner, { wrote: false });
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    const inner = unwrap(connection);
    await this.guard(() => this.inner.commitTransaction(inner));
    const wrote = this.inTransaction.get(inner)?.wrote ?? false;
    this.inTransaction.delete(inner);
    if (wrote) this.writability.succeeded();
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    const inner = unwrap(connection);
    this.inTransaction.delete(inner);
    try {
      await this.inner.rollbackTransaction(inner);
    } catch (err) {
      // A connection that is gone has no transaction left to roll back; throwing here
      // would replace the error that made us roll back with a useless one.
      if (classifyStoreFault(err) === null) throw err;
    }
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    const inner = unwrap(connection);
    this.inTransaction.delete(inner);
    await this.inner.releaseConnection(inner);
  }

  destroy(): Promise<void> {
    return this.inner.destroy();
  }
}

const INNER = Symbol('inner connection');

function unwrap(connection: DatabaseConnection): DatabaseConnection {
  return (connection as { [INNER]?: DatabaseConnection })[INNER] ?? connection;
}

class ObservedConnection implements DatabaseConnection {
  readonly [INNER]: DatabaseConnection;

  constructor(
    inner: DatabaseConnection,
    /** Told when a statement changed rows. */
    private readonly changed: () => void,
    private readonly writability: StoreWritability,
  ) {
    this[INNER] = inner;
  }

  async executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    let result: QueryResult<R>;
    try {
      result = await this[INNER].executeQuery<R>(compiled);
    } catch (err) {
      throw translate(this.writability, err);
    }
    const rows = Number(result.numAffectedRows ?? 0) + (result.rows?.length ?? 0);
    if (WRITE_KINDS.has(compiled.query.kind) && rows > 0) this.changed();
    return result;
  }

  async *streamQuery<R>(
    compiled: CompiledQuery,
    chunkSize?: number,
  ): AsyncIterableIterator<QueryResult<R>> {
    try {
      yield* this[INNER].streamQuery<R>(compiled, chunkSize);
    } catch (err) {
      throw translate(this.writability, err);
    }
  }
}
