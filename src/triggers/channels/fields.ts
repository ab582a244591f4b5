import { AppError } from '../../errors.js';
import { TEMPLATE_ROOTS } from './payload.js';
import { urlSyntaxProblem } from '../../egress/safe-http.js';
import { parseTemplate, TemplateError, type Template } from './template.js';

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Set by Logwarden itself, or by the HTTP layer: a trigger may not replace them. */
const RESERVED_HEADERS = new Set([
  'host',
  'content-length',
  'content-type',
  'transfer-encoding',
  'connection',
  'user-agent',
  'webhook-id',
  'webhook-timestamp',
  'webhook-signature',
]);
const MAX_HEADERS = 20;
const MAX_VALUE = 4096;

/**
 * Reads a channel's settings field by field, naming the field (`channel.url`) in every
 * error, and refuses fields the channel does not have.
 */
export class FieldReader {
  private readonly used = new Set<string>(['type']);

  constructor(
    private readonly input: Record<string, unknown>,
    private readonly prefix = 'channel',
  ) {}

  name(field: string): string {
    return `${this.prefix}.${field}`;
  }

  private take(field: string): unknown {
    this.used.add(field);
    const value = this.input[field];
    return value === undefined ? null : value;
  }

  /** The error for a field that parsed but is not acceptable. */
  invalid(field: string, reason: string): AppError {
    return AppError.validation(this.name(field), reason);
  }

  private fail(field: string, reason: string): never {
    throw this.invalid(field, reason);
  }

  optionalString(field: string, max = 1024): string | null {
    const value = this.take(field);
    if (value === null) return null;
    if (typeof value !== 'string') this.fail(field, 'must be a string');
    const trimmed = value.trim();
    if (trimmed.length > max) this.fail(field, `must be at most ${max} characters`);
    return trimmed === '' ? null : trimmed;
  }

  string(field: string, max = 1024): string {
    const value = this.optionalString(field, max);
    if (value === null) this.fail(field, 'is required');
    return value;
  }

  /** An id that may come as a string or a whole number (chat ids). */
  idString(field: string): string {
    const value = this.input[field];
    if (typeof value === 'number' && Number.isSafeInteger(value)) {
      this.used.add(field);
      return String(value);
    }
    return this.string(field, 128);
  }

  /** An http(s) URL without credentials; where it points is checked separately. */
  url(field: string, fallback?: string): string {
    const value = this.optionalString(field, 2048) ?? fallback ?? null;
    if (value === null) this.fail(field, 'is required');
    const problem = urlSyntaxProblem(value);
    if (problem) this.fail(field, problem);
    return value;
  }

  integer(field: string, min: number, max: number, fallback: number): number {
    const value = this.take(field);
    if (value === null) return fallback;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
      this.fail(field, `must be a whole number from ${min} to ${max}`);
    return value;
  }

  oneOf<T extends string>(field: string, values: readonly T[], fallback: T): T {
    const value = this.take(field);
    if (value === null) return fallback;
    if (typeof value !== 'string' || !(values as readonly string[]).includes(value))
      this.fail(field, `must be one of ${values.join(', ')}`);
    return value as T;
  }

  stringList(field: string, max: number, check: (s: string) => string | null): string[] {
    const value = this.take(field);
    if (!Array.isArray(value) || value.length === 0)
      this.fail(field, 'must be a non-empty list of strings');
    if (value.length > max) this.fail(field, `must have at most ${max} entries`);
    return value.map((item, i) => {
      if (typeof item !== 'string' || item.trim() === '')
        this.fail(`${field}[${i}]`, 'must be a non-empty string');
      const problem = check(item.trim());
      if (problem) this.fail(`${field}[${i}]`, problem);
      return item.trim();
    });
  }

  /** A template checked now, so a broken one is refused on save rather than at send. */
  template(field: string, check?: (template: Template) => string | null): string | null {
    const value = this.take(field);
    if (value === null || value === '') return null;
    if (typeof value !== 'string') this.fail(field, 'must be a string');
    let template: Template;
    try {
      template = parseTemplate(value, TEMPLATE_ROOTS);
    } catch (err) {
      if (err instanceof TemplateError) this.fail(field, err.message);
      throw err;
    }
    const problem = check?.(template);
    if (problem) this.fail(field, problem);
    return value;
  }

  headers(field: string): Record<string, string> {
    const value = this.take(field);
    if (value === null) return {};
    if (typeof value !== 'object' || Array.isArray(value))
      this.fail(field, 'must be an object of header names to values');
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length > MAX_HEADERS) this.fail(field, `must have at most ${MAX_HEADERS} headers`);
    const out: Record<string, string> = {};
    for (const [name, v] of entries) {
      if (!HEADER_NAME.test(name)) this.fail(`${field}.${name}`, 'is not a valid header name');
      if (RESERVED_HEADERS.has(name.toLowerCase()))
        this.fail(`${field}.${name}`, 'is set by Logwarden and cannot be replaced');
      if (typeof v !== 'string' || v.length > MAX_VALUE || /[\r\n\0]/.test(v))
        this.fail(
          `${field}.${name}`,
          `must be a string of at most ${MAX_VALUE} characters, on one line`,
        );
      Object.defineProperty(out, name.toLowerCase(), {
        value: v,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }

  /** Refuses whatever the channel did not read. */
  done(): void {
    for (const key of Object.keys(this.input)) {
      if (!this.used.has(key)) this.fail(key, 'is not a setting of this channel');
    }
  }
}
