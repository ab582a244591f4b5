import type { EventContext, NewEvent } from '../events/index.js';
import type { ContainerRecord } from '../inventory/index.js';

/** The wire messages agents publish (docs/design/scale-out-contract.md, "Messages"). */
export interface Envelope {
  v: 1;
  host: string;
  /** A random id per agent start. */
  agent: string;
  sent_at: number;
}

export interface LinePosition {
  stream: 'stdout' | 'stderr';
  ts_nanos: string;
  tie: number;
}

export type HitMessage = Envelope & { type: 'hit'; event: NewEvent; line: LinePosition };
export type ContextMessage = Envelope & { type: 'context'; hit: string; context: EventContext };
export type EventMessage = Envelope & { type: 'event'; event: NewEvent };
export type InventoryChange = Envelope & {
  type: 'container';
  change: 'started' | 'stopped' | 'gone' | 'updated';
  container: ContainerRecord;
  observed_at: number;
};
export type InventorySnapshot = Envelope & {
  type: 'snapshot';
  snapshot: string;
  part: number;
  parts: number;
  containers: ContainerRecord[];
};
export type AgentStatus = Envelope & {
  type: 'status';
  n: number;
  name: string;
  agent_version: string;
  rule_revision: number | null;
  docker: { engine_id: string; version: string | null; reachable: boolean };
  containers: number;
  publish_failures: number;
};

/** Who is sending: the host (subject token) and this start of the agent. */
export interface Sender {
  host: string;
  agent: string;
}

/** The envelope of a message sent now. */
export function envelope(sender: Sender, now: number = Date.now()): Envelope {
  return { v: 1, host: sender.host, agent: sender.agent, sent_at: now };
}

/** What every agent part publishes through (JetStreamPublisher fits): resolves on the ack. */
export interface StreamPublisher {
  publish(subject: string, data: string, msgId: string): Promise<unknown>;
}
