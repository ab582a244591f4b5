import { useMemo, useState, type ReactNode } from 'react';
import { LOG_LEVELS, type LogLevel } from '../../../../src/logs/log-level.js';
import { useInterval } from '../../hooks/use-interval';
import { useStoredChoice } from '../../hooks/use-stored-choice';
import type { ViewLine } from './log-buffer';
import { countLevels, filterRecords, toRecords } from './log-records';
import type { RecordDisplay } from './log-record';
import { CLOCK_MODES, type ClockMode } from './timestamps';

const WRAP = ['wrap', 'scroll'] as const;
type Wrap = (typeof WRAP)[number];

/** How often relative times ("4s ago") are brought up to date. */
const RELATIVE_TICK_MS = 5000;

/**
 * What the viewer shows of its lines: records, filtered by text, hits and level, with
 * the clock and wrapping chosen (those two kept in this browser).
 */
export function useLogView<L extends ViewLine>(
  lines: readonly L[],
  /** What keeps lines apart when grouping records (toRecords); by stream by default. */
  source?: (line: L) => string,
) {
  const [search, setSearch] = useState('');
  const [onlyHits, setOnlyHits] = useState(false);
  const [levels, setLevels] = useState<ReadonlySet<LogLevel>>(new Set());
  const [clock, setClock] = useStoredChoice<ClockMode>('logwarden.log.clock', CLOCK_MODES, 'local');
  const [wrap, setWrap] = useStoredChoice<Wrap>('logwarden.log.wrap', WRAP, 'wrap');
  const [now, setNow] = useState(() => Date.now());
  useInterval(() => setNow(Date.now()), clock === 'relative' ? RELATIVE_TICK_MS : null);

  const records = useMemo(() => toRecords(lines, source), [lines, source]);
  const counts = useMemo(() => countLevels(records), [records]);
  const shown = useMemo(
    () => filterRecords(records, { search, onlyHits, levels }),
    [records, search, onlyHits, levels],
  );
  const toggleLevel = (level: LogLevel) => {
    const next = new Set(levels);
    if (!next.delete(level)) next.add(level);
    setLevels(next);
  };
  const display: RecordDisplay = { search, clock, now: clock === 'relative' ? now : 0 };
  return {
    records,
    shown,
    display,
    filtered: search.trim() !== '' || onlyHits || levels.size > 0,
    controls: {
      search,
      setSearch,
      onlyHits,
      setOnlyHits,
      levels,
      toggleLevel,
      counts,
      clock,
      setClock,
      wrap,
      setWrap,
    },
  };
}

type Controls = ReturnType<typeof useLogView>['controls'];

/** The viewer's toolbar: `children` first (live state, pause), then filters and display. */
export function LogToolbar({
  controls: c,
  children,
}: {
  controls: Controls;
  children?: ReactNode;
}) {
  return (
    <>
      <div className="log-toolbar">
        {children}
        <input
          type="search"
          className="log-search"
          placeholder="Search loaded lines"
          aria-label="Search loaded lines"
          value={c.search}
          onChange={(e) => c.setSearch(e.target.value)}
        />
        <label className="checkbox">
          <input
            type="checkbox"
            checked={c.onlyHits}
            onChange={(e) => c.setOnlyHits(e.target.checked)}
          />
          only hits
        </label>
        <label className="checkbox">
          <input
            type="checkbox"
            checked={c.wrap === 'wrap'}
            onChange={(e) => c.setWrap(e.target.checked ? 'wrap' : 'scroll')}
          />
          wrap lines
        </label>
        <select
          className="small"
          aria-label="Timestamps"
          value={c.clock}
          onChange={(e) => c.setClock(e.target.value as ClockMode)}
        >
          <option value="local">local time</option>
          <option value="utc">UTC</option>
          <option value="relative">relative</option>
        </select>
      </div>
      <div className="log-levels" role="group" aria-label="Levels">
        {LOG_LEVELS.map((level) => (
          <button
            key={level}
            type="button"
            className={`level-chip level-${level}`}
            aria-pressed={c.levels.has(level)}
            onClick={() => c.toggleLevel(level)}
          >
            {level} <span className="muted">{c.counts.get(level) ?? 0}</span>
          </button>
        ))}
      </div>
    </>
  );
}
