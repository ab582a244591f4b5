export const WORKLOAD_KINDS = ['compose', 'custom'] as const;
export type WorkloadKind = (typeof WORKLOAD_KINDS)[number];

/** A named group of containers: an app. */
export interface Workload {
  id: string;
  name: string;
  kind: WorkloadKind;
  /** Milliseconds since the epoch. */
  created_at: number;
}

export const CONTAINER_STATES = [
  'running',
  'stopped',
  'created',
  'restarting',
  'paused',
  'removing',
  'missing',
] as const;
export type ContainerState = (typeof CONTAINER_STATES)[number];

/** One row of the containers index. Times are milliseconds since the epoch. */
export interface ContainerRecord {
  /** Docker's full container id. */
  id: string;
  name: string;
  image: string;
  workload_id: string | null;
  compose_service: string | null;
  labels: Record<string, string>;
  state: ContainerState;
  exit_code: number | null;
  health: string | null;
  restart_count: number;
  started_at: number | null;
  finished_at: number | null;
  last_seen_at: number;
  /** False once Docker answered 501 for its logs (a driver that cannot be read). */
  logs_available: boolean;
  tty: boolean;
}

/** Labels that tie a container to a workload. */
export const WORKLOAD_LABEL = 'logwarden.workload';
export const COMPOSE_PROJECT_LABEL = 'com.docker.compose.project';
export const COMPOSE_SERVICE_LABEL = 'com.docker.compose.service';

/** Docker's states condensed to the index's: exited and dead are both "stopped". */
export function normalizeState(dockerState: string): ContainerState {
  switch (dockerState) {
    case 'running':
    case 'created':
    case 'restarting':
    case 'paused':
    case 'removing':
      return dockerState;
    case 'exited':
    case 'dead':
    case 'stopped':
      return 'stopped';
    default:
      return 'stopped';
  }
}

/**
 * What the index tells its subscribers (the scanner starts and stops tails on these; the
 * live inventory stream passes them on to the UI).
 */
export type ContainerChange = (
  | { type: 'started'; container: ContainerRecord }
  | { type: 'stopped'; container: ContainerRecord }
  | { type: 'gone'; container: ContainerRecord }
  | { type: 'updated'; container: ContainerRecord }
) & {
  /** The index had no row for this container before. */
  added?: true;
};

/**
 * The shortest id prefix a container can be named by: 4 hex digits (65 536 values)
 * mostly tell the containers of one host apart, while 1 to 3 would often be ambiguous
 * and catch words (`add`, `bee`) meant as names. A name wins over a prefix, as in Docker.
 */
export const MIN_ID_PREFIX = 4;
