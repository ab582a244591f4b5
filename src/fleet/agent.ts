import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../store/index.js';
import { InventoryPublisher, type InventorySource } from './inventory-publisher.js';
import type { Sender, StreamPublisher } from './messages.js';
import { OutboxDrainer, type OutboxDrainerOptions } from './outbox-drainer.js';
import { OutboxEventRecorder, OutboxRepository } from './outbox.js';
import { PublishingBatchWriter } from './publishing-batch-writer.js';
import { StatusReporter, type StatusFacts } from './status-reporter.js';

export interface AgentDeps {
  /** The agent's own SQLite. */
  db: Kysely<Database>;
  publisher: StreamPublisher;
  sender: Sender;
  storeEpoch: string;
  /** Read at start(): the inventory is built with this agent's recorder, after it. */
  inventory: InventorySource;
  status: Omit<StatusFacts, 'publishFailures'>;
  log: Logger;
}

export interface AgentTimings {
  outbox?: OutboxDrainerOptions;
  snapshotEveryMs?: number;
  statusEveryMs?: number;
}

export interface Agent {
  /** The scanner's event sink. */
  writer: PublishingBatchWriter;
  /** The inventory's (and anyone's) EventRecorder: the outbox. */
  recorder: OutboxEventRecorder;
  outbox: OutboxRepository;
  drainer: OutboxDrainer;
  inventory: InventoryPublisher;
  status: StatusReporter;
  /** Publishes that failed so far (hits are counted by the tails' retries). */
  publishFailures(): number;
  start(): void;
  stop(): Promise<void>;
}

/** What an agent publishes, and how: hits, the outbox, the inventory and its status. */
export function createAgent(deps: AgentDeps, timings: AgentTimings = {}): Agent {
  const outbox = new OutboxRepository(deps.db);
  const recorder = new OutboxEventRecorder(outbox);
  let hitFailures = 0;
  const counted: StreamPublisher = {
    publish: (subject, data, id) =>
      deps.publisher.publish(subject, data, id).catch((err: unknown) => {
        if (subject.endsWith('.hits')) hitFailures++;
        throw err;
      }),
  };
  const writer = new PublishingBatchWriter({
    db: deps.db,
    publisher: counted,
    fires: recorder,
    sender: deps.sender,
  });
  const drainer = new OutboxDrainer({
    outbox,
    publisher: deps.publisher,
    sender: deps.sender,
    storeEpoch: deps.storeEpoch,
    log: deps.log,
    options: timings.outbox,
  });
  recorder.onRecorded(() => drainer.wake());
  const inventory = new InventoryPublisher({
    inventory: deps.inventory,
    publisher: deps.publisher,
    sender: deps.sender,
    log: deps.log,
    snapshotEveryMs: timings.snapshotEveryMs,
  });
  const publishFailures = () => hitFailures + drainer.failures + inventory.failures;
  const status = new StatusReporter({
    facts: { ...deps.status, publishFailures },
    publisher: deps.publisher,
    sender: deps.sender,
    log: deps.log,
    everyMs: timings.statusEveryMs,
  });
  return {
    writer,
    recorder,
    outbox,
    drainer,
    inventory,
    status,
    publishFailures,
    start: () => {
      drainer.start();
      inventory.start();
      status.start();
    },
    stop: async () => {
      await status.stop();
      await inventory.stop();
      await drainer.stop();
    },
  };
}
