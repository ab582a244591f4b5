import { useEffect, useState } from 'react';
import type { EventFilter } from '../../api/events';
import type { Host } from '../../api/hosts';
import type { Container, Rule, Workload } from '../../api/types';
import { EVENT_SOURCES, SEVERITIES } from '../../api/types';
import { useDebounced } from '../../hooks/use-debounced';
import { runningFirst } from '../../inventory/live-index';
import { fromLocalInput, toLocalInput } from './filters';

interface Props {
  filter: EventFilter;
  onChange: (filter: EventFilter) => void;
  workloads: Workload[];
  containers: Container[];
  rules: Rule[];
  /** The hosts agents report on; none in single-host mode, and then no host filter. */
  hosts: Host[];
}

const RANGES: [string, number][] = [
  ['1 h', 3_600_000],
  ['24 h', 86_400_000],
  ['7 d', 7 * 86_400_000],
];

export function EventFilters({ filter, onChange, workloads, containers, rules, hosts }: Props) {
  const [text, setText] = useState(filter.q ?? '');
  const settled = useDebounced(text, 300);
  useEffect(() => {
    if ((settled || undefined) !== filter.q) onChange({ ...filter, q: settled || undefined });
    // Only the settled text drives this; the rest of the filter is read as it is then.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [settled]);
  useEffect(() => setText(filter.q ?? ''), [filter.q]);

  const set = <K extends keyof EventFilter>(key: K, value: EventFilter[K] | '') =>
    onChange({ ...filter, [key]: value || undefined });

  return (
    <form
      className="filters"
      role="search"
      onSubmit={(e) => e.preventDefault()}
      aria-label="Event filters"
    >
      <label>
        <span>Severity</span>
        <select
          name="severity"
          value={filter.severity ?? ''}
          onChange={(e) => set('severity', e.target.value as EventFilter['severity'])}
        >
          <option value="">any</option>
          {SEVERITIES.map((s) => (
            <option key={s} value={s}>
              {s} or worse
            </option>
          ))}
        </select>
      </label>
      <label>
        <span>Source</span>
        <select
          name="source"
          value={filter.source ?? ''}
          onChange={(e) => set('source', e.target.value as EventFilter['source'])}
        >
          <option value="">any</option>
          {EVENT_SOURCES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </label>
      <label>
        <span>Workload</span>
        <select
          name="workload"
          value={filter.workload ?? ''}
          onChange={(e) => set('workload', e.target.value)}
        >
          <option value="">any</option>
          {workloads.map((w) => (
            <option key={w.id} value={w.id}>
              {w.name}
            </option>
          ))}
        </select>
      </label>
      <label>
        <span>Container</span>
        <select
          name="container"
          value={filter.container ?? ''}
          onChange={(e) => set('container', e.target.value)}
        >
          <option value="">any</option>
          {filter.container && !containers.some((c) => c.id === filter.container) && (
            <option value={filter.container}>{filter.container.slice(0, 12)}</option>
          )}
          {runningFirst(containers).map((c) => (
            <option key={c.id} value={c.id}>
              {c.state === 'running'
                ? c.name
                : `${c.name} (${c.state === 'missing' ? 'gone' : c.state})`}
            </option>
          ))}
        </select>
      </label>
      <label>
        <span>Rule</span>
        <select name="rule" value={filter.rule ?? ''} onChange={(e) => set('rule', e.target.value)}>
          <option value="">any</option>
          {rules.map((r) => (
            <option key={r.id} value={String(r.id)}>
              {r.name}
            </option>
          ))}
        </select>
      </label>
      {(hosts.length > 0 || filter.host) && (
        <label>
          <span>Host</span>
          <select
            name="host"
            value={filter.host ?? ''}
            onChange={(e) => set('host', e.target.value)}
          >
            <option value="">any</option>
            <option value="local">this server&apos;s engine</option>
            {filter.host && filter.host !== 'local' && !hosts.some((h) => h.id === filter.host) && (
              <option value={filter.host}>{filter.host}</option>
            )}
            {hosts.map((h) => (
              <option key={h.id} value={h.id}>
                {h.name === h.id ? h.id : `${h.name} (${h.id})`}
              </option>
            ))}
          </select>
        </label>
      )}
      <label className="grow">
        <span>Text</span>
        <input
          name="q"
          type="search"
          placeholder="in the message"
          value={text}
          maxLength={200}
          onChange={(e) => setText(e.target.value)}
        />
      </label>
      <label>
        <span>From</span>
        <input
          name="since"
          type="datetime-local"
          value={toLocalInput(filter.since)}
          onChange={(e) => set('since', fromLocalInput(e.target.value))}
        />
      </label>
      <label>
        <span>Until</span>
        <input
          name="until"
          type="datetime-local"
          value={toLocalInput(filter.until)}
          onChange={(e) => set('until', fromLocalInput(e.target.value))}
        />
      </label>
      <div className="filter-actions">
        {RANGES.map(([label, ms]) => (
          <button
            key={label}
            type="button"
            className="small"
            onClick={() =>
              onChange({
                ...filter,
                since: new Date(Date.now() - ms).toISOString(),
                until: undefined,
              })
            }
          >
            last {label}
          </button>
        ))}
        <button type="button" className="small link-button" onClick={() => onChange({})}>
          clear
        </button>
      </div>
    </form>
  );
}
