export type Role = 'admin' | 'viewer';

/** `full` reads and writes as the role allows; `metrics` reads only /metrics. */
export type TokenScope = 'full' | 'metrics';

/** Who a request acts as, once authenticated. */
export interface Principal {
  /** How the request proved it: a browser session cookie or a bearer API token. */
  via: 'session' | 'token';
  user_id: number | null;
  /** The username, or `token:<name>` for an API token; what the journal records. */
  name: string;
  role: Role;
  scope: TokenScope;
}
