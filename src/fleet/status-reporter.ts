import type { Logger } from 'pino';
import { hostSubject, msgId } from '../nats/index.js';
import { PeriodicTask } from '../periodic-task.js';
import { envelope, type AgentStatus, type Sender, type StreamPublisher } from './messages.js';

/** What a status says, read fresh for each one. */
export interface StatusFacts {
  name: string;
  agentVersion: string;
  ruleRevision(): number | null;
  docker(): { engine_id: string; version: string | null; reachable: boolean };
  containers(): Promise<number>;
  publishFailures(): number;
}

const STATUS_EVERY_MS = 15_000;

/**
 * The agent's heartbeat: a status every 15 s, and at once when what it says changed
 * (checked every second: engine reachability, container count, rule revision). A
 * failed one is not retried: the next comes soon enough.
 */
export class StatusReporter {
  private n = 0;
  private lastSentAt = -Infinity;
  private lastShape: string | null = null;
  private readonly task: PeriodicTask<void>;

  constructor(
    private readonly deps: {
      facts: StatusFacts;
      publisher: StreamPublisher;
      sender: Sender;
      log: Logger;
      everyMs?: number;
      checkEveryMs?: number;
    },
  ) {
    this.task = new PeriodicTask(() => this.tick(), {
      name: 'agent status',
      intervalMs: deps.checkEveryMs ?? 1_000,
      log: deps.log,
    });
  }

  start(): void {
    this.task.start();
  }

  stop(): Promise<void> {
    return this.task.stop();
  }

  private async tick(): Promise<void> {
    const status = await this.build();
    const shape = JSON.stringify([status.docker, status.containers, status.rule_revision]);
    const due = Date.now() - this.lastSentAt >= (this.deps.everyMs ?? STATUS_EVERY_MS);
    if (!due && shape === this.lastShape) return;
    await this.send(status).catch((err: unknown) => {
      this.deps.log.debug({ err }, 'status not published');
    });
    this.lastShape = shape;
  }

  private async build(): Promise<AgentStatus> {
    const { facts, sender } = this.deps;
    return {
      ...envelope(sender),
      type: 'status',
      n: this.n + 1,
      name: facts.name,
      agent_version: facts.agentVersion,
      rule_revision: facts.ruleRevision(),
      docker: facts.docker(),
      containers: await facts.containers(),
      publish_failures: facts.publishFailures(),
    };
  }

  private async send(status: AgentStatus): Promise<void> {
    const { sender, publisher } = this.deps;
    this.lastSentAt = Date.now();
    this.n = status.n;
    await publisher.publish(
      hostSubject(sender.host, 'status'),
      JSON.stringify(status),
      msgId.status(sender.host, sender.agent, status.n),
    );
  }
}
