/**
 * A logic-less, mustache-style renderer: `{{ event.message }}` is replaced by the value
 * at that path, escaped for where the text goes. There are no sections, partials,
 * lambdas, filters or calls: a template can read the payload and nothing else, and the
 * values it inserts are never parsed again, so an event message that looks like a
 * template arrives as the text it is.
 */

export const MAX_TEMPLATE_LENGTH = 4096;

/** How inserted values are escaped: for a JSON string, HTML, Slack mrkdwn, or plain text. */
export type Escaping = 'json' | 'html' | 'slack' | 'text';

type Part = string | { path: string[] };

export interface Template {
  readonly source: string;
  readonly parts: readonly Part[];
}

export class TemplateError extends Error {}

const PATH = /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_$-]+)*$/;
/** Never readable, whatever the payload holds. */
const FORBIDDEN = new Set(['__proto__', 'prototype', 'constructor']);

/**
 * Parses a template, or throws TemplateError saying which tag is not allowed.
 * `roots` are the names a path may start with (the payload's top-level fields).
 */
export function parseTemplate(source: string, roots: readonly string[]): Template {
  if (source.length > MAX_TEMPLATE_LENGTH)
    throw new TemplateError(`must be at most ${MAX_TEMPLATE_LENGTH} characters`);
  const parts: Part[] = [];
  let at = 0;
  for (;;) {
    const open = source.indexOf('{{', at);
    if (open < 0) {
      if (at < source.length) parts.push(source.slice(at));
      break;
    }
    if (open > at) parts.push(source.slice(at, open));
    const close = source.indexOf('}}', open + 2);
    if (close < 0) throw new TemplateError(`unclosed {{ at position ${open}`);
    const inner = source.slice(open + 2, close).trim();
    const shown = source.slice(open, close + 2);
    if (!PATH.test(inner))
      throw new TemplateError(
        `unsupported tag ${shown}: only variables such as {{event.message}} are allowed`,
      );
    const path = inner.split('.');
    if (path.some((p) => FORBIDDEN.has(p)))
      throw new TemplateError(`unsupported tag ${shown}: ${inner} cannot be read`);
    if (!roots.includes(path[0]!))
      throw new TemplateError(`unknown variable ${shown}: paths start with ${roots.join(', ')}`);
    parts.push({ path });
    at = close + 2;
  }
  return { source, parts };
}

/** Own properties only: nothing inherited from Object.prototype is ever reachable. */
function lookup(view: unknown, path: readonly string[]): unknown {
  let current = view;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    if (!Object.prototype.hasOwnProperty.call(current, key)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

function asText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'object') return JSON.stringify(value);
  return '';
}

const HTML: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};
const SLACK: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };

export function escapeFor(escaping: Escaping, text: string): string {
  switch (escaping) {
    case 'json':
      // The inside of a JSON string: the template supplies the quotes.
      return JSON.stringify(text).slice(1, -1);
    case 'html':
      return text.replace(/[&<>"']/g, (c) => HTML[c]!);
    case 'slack':
      // Slack's mrkdwn treats only these as control characters.
      return text.replace(/[&<>]/g, (c) => SLACK[c]!);
    case 'text':
      return text;
  }
}

export function renderTemplate(template: Template, view: unknown, escaping: Escaping): string {
  let out = '';
  for (const part of template.parts) {
    out += typeof part === 'string' ? part : escapeFor(escaping, asText(lookup(view, part.path)));
  }
  return out;
}
