import type { Config } from '../config/index.js';
import type { EventBus, StoredEvent } from '../events/index.js';
import { Broadcaster } from './broadcaster.js';
import { InventoryFeed, type InventorySource } from './inventory-feed.js';
import { ContainerLogFeed, type LineTaps, type LogReader } from './log-feed.js';

export interface StreamDeps {
  bus: Pick<EventBus, 'subscribe'>;
  /** The scanner's tails, whose lines a log stream listens to. */
  taps: LineTaps;
  docker: LogReader;
  /** The containers index, whose changes the live inventory stream passes on. */
  inventory: InventorySource;
}

export interface Stream {
  /** Every recorded event, fanned out to the live streams. */
  broadcaster: Broadcaster<StoredEvent>;
  logs: ContainerLogFeed;
  inventory: InventoryFeed;
}

/** What live clients are served from: the events as they are recorded, container logs, the inventory. */
export function createStream(deps: StreamDeps, config: Config): Stream {
  const broadcaster = new Broadcaster<StoredEvent>({
    historySize: config.streamHistorySize,
    queueSize: config.streamQueueSize,
  });
  deps.bus.subscribe((event) => broadcaster.publish(event));
  return {
    broadcaster,
    logs: new ContainerLogFeed({
      taps: deps.taps,
      docker: deps.docker,
      queueSize: config.streamQueueSize,
      maxFollows: config.streamMaxLogFollows,
    }),
    inventory: new InventoryFeed({ source: deps.inventory, queueSize: config.streamQueueSize }),
  };
}
