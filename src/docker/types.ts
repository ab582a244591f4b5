/** The parts of the Engine API's answers Logwarden reads; Docker sends more. */

export interface VersionInfo {
  Version: string;
  ApiVersion: string;
  MinAPIVersion?: string;
  Os?: string;
  Arch?: string;
}

/** `/info`: the engine's own identity (ID is stable for its data root). */
export interface EngineInfo {
  ID: string;
  Name: string;
  ServerVersion: string;
}

export interface ContainerSummary {
  Id: string;
  Names: string[];
  Image: string;
  ImageID?: string;
  Labels: Record<string, string> | null;
  State: string;
  Status: string;
  Created: number;
}

export interface ContainerInspect {
  Id: string;
  Name: string;
  Created: string;
  RestartCount: number;
  Config: {
    Image: string;
    Tty: boolean;
    Labels: Record<string, string> | null;
  };
  State: {
    Status: string;
    Running: boolean;
    Paused: boolean;
    Restarting: boolean;
    OOMKilled: boolean;
    Dead: boolean;
    ExitCode: number;
    Error?: string;
    StartedAt: string;
    FinishedAt: string;
    Health?: { Status: string; FailingStreak?: number };
  };
  HostConfig: { LogConfig?: { Type: string } };
}

export interface DockerEvent {
  Type: string;
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
  scope?: string;
  time: number;
  timeNano: number;
}

export interface LogsOptions {
  follow?: boolean;
  stdout?: boolean;
  stderr?: boolean;
  /** Ask Docker to prefix every piece with its RFC3339Nano time (default true). */
  timestamps?: boolean;
  /** Nanoseconds since the epoch; only lines after this instant. */
  sinceNanos?: bigint;
  /** Nanoseconds since the epoch; only lines up to this instant (API 1.35+, not with follow). */
  untilNanos?: bigint;
  /** Lines of history before following: a number or 'all'. */
  tail?: number | 'all';
  /** From inspect's Config.Tty; when unknown, the stream is sniffed. */
  tty?: boolean;
  signal?: AbortSignal;
}

export interface EventsOptions {
  /** Nanoseconds since the epoch; replay events after this instant. */
  sinceNanos?: bigint;
  until?: number;
  /** Docker filters, e.g. { type: ['container'], event: ['start', 'die'] }. */
  filters?: Record<string, string[]>;
  signal?: AbortSignal;
}
