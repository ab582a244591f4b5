/**
 * A log line that is one JSON object (structured loggers: pino, zap, logrus, Serilog's
 * compact form, bunyan), as fields to show: the message first, then the level, then the
 * rest in the order the logger wrote them.
 */

/** Where loggers put the message; the first one present with a string wins. */
const MESSAGE_KEYS = ['msg', 'message', '@m', 'log'];
/** Where loggers put the level (`log.level` is ECS: nested, or flat with a dot). */
const LEVEL_KEYS = ['level', 'severity', '@l', 'log.level', 'lvl', 'loglevel'];

export interface JsonField {
  key: string;
  /** Strings as they are; everything else as compact JSON. */
  value: string;
}

export interface JsonLine {
  message: JsonField | null;
  level: JsonField | null;
  /** The other fields, in the logger's order (nested objects as JSON). */
  rest: JsonField[];
}

type Obj = Record<string, unknown>;

const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const show = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

/** The line's fields when it is a JSON object, else null. */
export function parseJsonLine(text: string): JsonLine | null {
  const trimmed = text.trim();
  if (!trimmed.startsWith('{') || !trimmed.endsWith('}')) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch {
    return null;
  }
  if (!isObject(parsed)) return null;
  const fields: Obj = { ...parsed };

  let message: JsonField | null = null;
  for (const key of MESSAGE_KEYS) {
    if (typeof fields[key] === 'string') {
      message = { key, value: fields[key] };
      delete fields[key];
      break;
    }
  }

  let level: JsonField | null = null;
  for (const key of LEVEL_KEYS) {
    const nested = key === 'log.level' && isObject(fields.log) ? fields.log.level : undefined;
    const value = nested ?? fields[key];
    if (typeof value !== 'string' && typeof value !== 'number') continue;
    level = { key, value: String(value) };
    if (nested === undefined) delete fields[key];
    else {
      const { level: _, ...others } = fields.log as Obj;
      if (Object.keys(others).length > 0) fields.log = others;
      else delete fields.log;
    }
    break;
  }

  const rest = Object.entries(fields).map(([key, value]) => ({ key, value: show(value) }));
  return { message, level, rest };
}
