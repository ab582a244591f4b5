import type { ChannelConfig } from '../model.js';
import type { DeliveryPayload } from './payload.js';
import type { HttpResult } from '../../egress/safe-http.js';
import type { FieldReader } from './fields.js';

/** What one attempt came to. */
export interface SendOutcome {
  ok: boolean;
  /** HTTP status, or the SMTP reply code; null when nothing answered. */
  status_code: number | null;
  /** Why it failed, in words safe to store and show (no credentials, no URL). */
  error: string | null;
  latency_ms: number;
  /** False: trying again cannot help (a 4xx, a redirect, a refused address). */
  retryable: boolean;
  /** The receiver answered 410 Gone: the trigger turns itself off. */
  gone: boolean;
  /** How long the receiver asked us to wait (Retry-After), if it did. */
  retry_after_ms: number | null;
}

export interface SendContext {
  /** Stable across the attempts of one delivery. */
  message_id: string;
  signal?: AbortSignal;
}

/** A configured destination. One interface for every kind. */
export interface Channel {
  send(payload: DeliveryPayload, context: SendContext): Promise<SendOutcome>;
}

/** The HTTP side of SafeHttp, which every HTTP channel goes through. */
export interface HttpPoster {
  post(
    url: string,
    headers: Record<string, string>,
    body: string,
    signal?: AbortSignal,
  ): Promise<HttpResult>;
}

/** The address check for non-HTTP targets (SMTP): a checked address to dial, or a throw. */
export interface AddressResolver {
  permittedAddress(host: string): Promise<string>;
}

export interface ChannelDeps {
  http: HttpPoster;
  addresses: AddressResolver;
  /** The trigger's Standard Webhooks secret. */
  secret: string;
  userAgent: string;
}

/** A target to check when a trigger is saved: a URL, or a bare host. */
export type Target = { field: string; url: string } | { field: string; host: string };

/** Everything Logwarden knows about one kind of channel. */
export interface ChannelSpec<C extends ChannelConfig = ChannelConfig> {
  type: C['type'];
  /** Checks the settings sent (placeholders already replaced by stored values). */
  parse(fields: FieldReader): C;
  /** Write-only fields, read back as the placeholder. */
  secrets: readonly string[];
  /** Objects whose every value is write-only (webhook headers). */
  secretMaps: readonly string[];
  /**
   * URLs whose path and query are write-only: reads show `https://host/********`, so
   * where it goes stays visible and the token in it does not (the generic webhook).
   */
  secretUrls: readonly string[];
  targets(config: C): Target[];
  create(config: C, deps: ChannelDeps): Channel;
}
