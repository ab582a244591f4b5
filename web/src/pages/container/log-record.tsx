import { memo, useMemo, useState } from 'react';
import type { LogLevel } from '../../../../src/logs/log-level.js';
import { StreamMark } from '../../components/badges';
import { AnsiText } from './ansi-text';
import { parseJsonLine, type JsonField, type JsonLine } from './json-line';
import type { LogRecord } from './log-records';
import { formatClock, type ClockMode } from './timestamps';

export interface RecordDisplay {
  search: string;
  clock: ClockMode;
  /** For relative times; 0 when the clock is not relative (nothing to refresh). */
  now: number;
}

function LevelBadge({ level }: { level: LogLevel | null }) {
  if (!level) return <span className="level-badge level-none" aria-hidden="true" />;
  return (
    <span className={`level-badge level-${level}`} data-testid="log-level">
      {level}
    </span>
  );
}

/**
 * A JSON line as fields: folded, the message then `key=value` for the level and the
 * rest on one line; unfolded, one field a row.
 */
function JsonFields({ json, search }: { json: JsonLine; search: string }) {
  const [open, setOpen] = useState(false);
  const fields = [json.level, ...json.rest].filter((f): f is JsonField => f !== null);
  return (
    <span className="log-json" data-testid="log-json">
      <button
        type="button"
        className="log-fold"
        aria-expanded={open}
        aria-label={open ? 'Fold the fields' : 'Show every field'}
        onClick={() => setOpen(!open)}
      >
        {open ? '▾' : '▸'}
      </button>
      {json.message && (
        <span className="log-json-message" data-testid="log-json-message">
          <AnsiText text={json.message.value} search={search} />
        </span>
      )}
      {!open &&
        fields.map((f) => (
          <span key={f.key} className="log-json-field">
            <span className="log-json-key">{f.key}=</span>
            <AnsiText text={f.value} search={search} />
          </span>
        ))}
      {open && (
        <dl className="log-json-table" data-testid="log-json-table">
          {[json.message, ...fields]
            .filter((f): f is JsonField => f !== null)
            .map((f) => (
              <div key={f.key}>
                <dt>{f.key}</dt>
                <dd>
                  <AnsiText text={f.value} search={search} />
                </dd>
              </div>
            ))}
        </dl>
      )}
    </span>
  );
}

interface Props extends RecordDisplay {
  record: LogRecord;
  /** The line "see in context" points at. */
  anchor: boolean;
}

/**
 * One record of the log: time, stream, level, then its first line (a JSON line as
 * fields, the raw text one click away) and the lines that continue it.
 */
function RecordView({ record, search, clock, now, anchor }: Props) {
  const [first, ...more] = record.lines as [LogRecord['lines'][0], ...LogRecord['lines']];
  const json = useMemo(() => parseJsonLine(first.text), [first.text]);
  const [raw, setRaw] = useState(false);
  const rules = [...new Set(record.lines.flatMap((l) => l.rules))];
  const classes = ['log-line', `log-${record.stream}`];
  if (record.hit) classes.push('log-hit');
  if (anchor) classes.push('log-anchor');
  return (
    <div
      className={classes.join(' ')}
      data-hit={record.hit || undefined}
      data-anchor={anchor || undefined}
      data-level={record.level ?? undefined}
    >
      <span className="log-ts" title={first.timestamp ?? undefined}>
        {formatClock(first.timestamp, clock, now)}
      </span>
      <StreamMark stream={record.stream} />
      <LevelBadge level={record.level} />
      <div className="log-body">
        {json && !raw ? (
          <JsonFields json={json} search={search} />
        ) : (
          <span className="log-text">
            <AnsiText text={first.text} search={search} />
          </span>
        )}
        {first.truncated && (
          <span className="muted small" title="Longer than 1 MiB: the rest was left out">
            {' '}
            … (cut)
          </span>
        )}
        {more.length > 0 && (
          <div className="log-continued" data-testid="log-continued">
            {more.map((line) => (
              <div key={line.seq} className="log-text">
                <AnsiText text={line.text} search={search} />
              </div>
            ))}
          </div>
        )}
      </div>
      {json && (
        <button
          type="button"
          className="log-raw-toggle small"
          aria-pressed={raw}
          onClick={() => setRaw(!raw)}
        >
          {raw ? 'fields' : 'raw'}
        </button>
      )}
      {rules.length > 0 && (
        <span className="log-rules">
          {rules.map((name) => (
            <span key={name} className="badge rule" data-testid="hit-rule">
              {name}
            </span>
          ))}
        </span>
      )}
    </div>
  );
}

/** Records are rebuilt on each batch; a record whose lines are the same objects is the same. */
function same(a: Props, b: Props): boolean {
  if (
    a.search !== b.search ||
    a.clock !== b.clock ||
    a.now !== b.now ||
    a.anchor !== b.anchor ||
    a.record.level !== b.record.level ||
    a.record.lines.length !== b.record.lines.length
  )
    return false;
  return a.record.lines.every((line, i) => line === b.record.lines[i]);
}

export const LogRecordView = memo(RecordView, same);
