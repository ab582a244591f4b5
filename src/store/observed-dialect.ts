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
  /** Connections inside a transaction: their writes count when the commit does. */
  private readonly inTransaction = new WeakSet<DatabaseConnection>();

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
    return new ObservedConnection(connection, this.writability, () =>
      this.inTransaction.has(connection),
    );
  }

  async beginTransaction(
    connection: DatabaseConnection,
    settings: TransactionSettings,
  ): Promise<void> {
    const inner = unwrap(connection);
    await this.guard(() => this.inner.beginTransaction(inner, settings));
    this.inTransaction.add(inner);
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    const inner = unwrap(connection);
    await this.guard(() => this.inner.commitTransaction(inner));
    this.inTransaction.delete(inner);
    this.writability.succeeded();
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
    private readonly writability: StoreWritability,
    private readonly inTransaction: () => boolean,
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
    if (WRITE_KINDS.has(compiled.query.kind) && !this.inTransaction()) this.writability.succeeded();
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
