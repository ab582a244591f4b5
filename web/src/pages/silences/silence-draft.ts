import type { SilenceBody } from '../../api/silences';
import type { LogEvent } from '../../api/types';
import { commaList as list } from '../../forms/comma-list';

/** The create form's fields as typed: lists as comma-separated text. */
export interface SilenceDraft {
  rules: string;
  containers: string;
  workloads: string;
  hosts: string;
  severities: string[];
  message_regex: string;
  /** How long from now, in minutes. */
  duration_minutes: string;
  comment: string;
}

export const DURATIONS: { minutes: number; label: string }[] = [
  { minutes: 15, label: '15 minutes' },
  { minutes: 60, label: '1 hour' },
  { minutes: 240, label: '4 hours' },
  { minutes: 1440, label: '1 day' },
  { minutes: 10080, label: '1 week' },
];

/** A draft prefilled from the page's query (`?rule=3&container=web-1`: "silence this"). */
export function draftFrom(search: string): SilenceDraft {
  const q = new URLSearchParams(search);
  return {
    rules: q.get('rule') ?? '',
    containers: q.get('container') ?? '',
    workloads: q.get('workload') ?? '',
    hosts: '',
    severities: [],
    message_regex: '',
    duration_minutes: '60',
    comment: '',
  };
}

/** Whether the query asks for the form (it came from "silence this"). */
export function wantsForm(search: string): boolean {
  const q = new URLSearchParams(search);
  return q.has('rule') || q.has('container') || q.has('workload') || q.has('new');
}

export function bodyOf(draft: SilenceDraft, now: number): SilenceBody {
  const minutes = Number(draft.duration_minutes);
  return {
    matchers: {
      rules: list(draft.rules).map((r) => (/^\d+$/.test(r) ? Number(r) : r)),
      containers: list(draft.containers),
      workloads: list(draft.workloads),
      hosts: list(draft.hosts),
      severities: draft.severities,
      message_regex: draft.message_regex,
    },
    starts_at: new Date(now).toISOString(),
    ends_at: new Date(now + minutes * 60_000).toISOString(),
    comment: draft.comment,
  };
}

/** "Silence this" for an event: its rule and its container, prefilled. */
export function silenceThisPath(
  e: Pick<LogEvent, 'rule_id' | 'container_id' | 'workload_id' | 'metadata'>,
): string {
  const q = new URLSearchParams();
  if (e.rule_id !== null) q.set('rule', String(e.rule_id));
  const name =
    typeof e.metadata.container_name === 'string'
      ? e.metadata.container_name
      : typeof e.metadata.name === 'string'
        ? e.metadata.name
        : e.container_id;
  if (name) q.set('container', name);
  if (e.rule_id === null && !name && e.workload_id) q.set('workload', e.workload_id);
  if ([...q.keys()].length === 0) q.set('new', '1');
  return `/silences?${q.toString()}`;
}
