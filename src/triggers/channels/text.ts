import { truncateMessage } from '../../events/message.js';
import {
  contextCutMarker,
  contextLines,
  defaultBody,
  defaultTitle,
  TEMPLATE_ROOTS,
  type DeliveryPayload,
} from './payload.js';
import { escapeFor, parseTemplate, renderTemplate, type Escaping } from './template.js';

/**
 * A channel's text: its template rendered with the target's escaping, or, without
 * one, the default title and body escaped the same way, then (with `withContext`) the
 * lines around a rule hit, as many as fit, ending in a marker that says how many were
 * cut. Cut to the target's limit.
 */
export class TextTemplate {
  private readonly template;

  constructor(
    source: string | null,
    private readonly escaping: Escaping,
    private readonly fallback: (payload: DeliveryPayload, esc: (s: string) => string) => string,
    private readonly maxBytes: number,
    private readonly withContext = false,
  ) {
    this.template = source ? parseTemplate(source, TEMPLATE_ROOTS) : null;
  }

  render(payload: DeliveryPayload): string {
    const esc = (s: string) => escapeFor(this.escaping, s);
    if (this.template)
      return truncateMessage(renderTemplate(this.template, payload, this.escaping), this.maxBytes);
    const text = this.fallback(payload, esc);
    const lines = this.withContext ? contextLines(payload) : null;
    if (lines === null) return truncateMessage(text, this.maxBytes);
    return fitContext(text, lines.map(esc), esc, this.maxBytes);
  }
}

/** `text` and as many context lines as fit in `maxBytes`, then a marker if any were cut. */
function fitContext(
  text: string,
  lines: readonly string[],
  esc: (s: string) => string,
  maxBytes: number,
): string {
  let used = Buffer.byteLength(text);
  if (used >= maxBytes) return truncateMessage(text, maxBytes);
  const reserve = Buffer.byteLength(esc(contextCutMarker(lines.length))) + 1;
  const kept: string[] = [];
  for (const [i, line] of lines.entries()) {
    const size = Buffer.byteLength(line) + 1;
    const last = i === lines.length - 1;
    if (used + size + (last ? 0 : reserve) > maxBytes) {
      const marker = esc(contextCutMarker(lines.length - kept.length));
      const out = [text, ...kept, marker].join('\n');
      return truncateMessage(out, maxBytes);
    }
    kept.push(line);
    used += size;
  }
  return [text, ...kept].join('\n');
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
