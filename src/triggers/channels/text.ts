import { truncateMessage } from '../../events/message.js';
import { defaultBody, defaultTitle, TEMPLATE_ROOTS, type DeliveryPayload } from './payload.js';
import { escapeFor, parseTemplate, renderTemplate, type Escaping } from './template.js';

/**
 * A channel's text: its template rendered with the target's escaping, or, without
 * one, the default title and body escaped the same way. Cut to the target's limit.
 */
export class TextTemplate {
  private readonly template;

  constructor(
    source: string | null,
    private readonly escaping: Escaping,
    private readonly fallback: (payload: DeliveryPayload, esc: (s: string) => string) => string,
    private readonly maxBytes: number,
  ) {
    this.template = source ? parseTemplate(source, TEMPLATE_ROOTS) : null;
  }

  render(payload: DeliveryPayload): string {
    const text = this.template
      ? renderTemplate(this.template, payload, this.escaping)
      : this.fallback(payload, (s) => escapeFor(this.escaping, s));
    return truncateMessage(text, this.maxBytes);
  }
}

export const titleOnly = (payload: DeliveryPayload, esc: (s: string) => string) =>
  esc(defaultTitle(payload));

export const bodyOnly = (payload: DeliveryPayload, esc: (s: string) => string) =>
  esc(defaultBody(payload));

/** Title and body in one message, for chats without a separate title. */
export function titleAndBody(bold: (s: string) => string) {
  return (payload: DeliveryPayload, esc: (s: string) => string) =>
    `${bold(esc(defaultTitle(payload)))}\n${esc(defaultBody(payload))}`;
}

/** `base` + `path`, whether or not base ends in a slash. */
export function endpoint(base: string, path: string): string {
  return base.replace(/\/+$/, '') + path;
}
