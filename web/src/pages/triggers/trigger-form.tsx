import type { Workload } from '../../api/types';
import { EVENT_SOURCES, SEVERITIES } from '../../api/types';
import { Field } from '../../components/field';
import { CompileStatus } from '../rules/pattern-feedback';
import { usePatternTest } from '../rules/use-pattern-test';
import { ChannelFields } from './channel-fields';
import { channelSpec } from './channels';
import { generateSigningSecret, type TriggerDraft } from './trigger-draft';
import { NOTIFY_ON } from '../../api/triggers';

/** What each notify_on choice means, in the form. */
const NOTIFY_LABELS: Record<string, string> = {
  event: 'every event',
  opened: 'incident opened',
  reminder: 'reminder while open',
  resolved: 'incident resolved',
};

interface Props {
  draft: TriggerDraft;
  onChange: (draft: TriggerDraft) => void;
  error: unknown;
  workloads: Workload[];
  readOnly: boolean;
  /** A trigger not yet created: its signing secret is made by Logwarden unless given. */
  isNew: boolean;
}

function toggle<T>(list: readonly T[], value: T, on: boolean): T[] {
  return on ? [...list.filter((v) => v !== value), value] : list.filter((v) => v !== value);
}

function Checks<T extends string>({
  name,
  options,
  labels,
  selected,
  onChange,
}: {
  name: string;
  options: readonly T[];
  labels?: Record<string, string>;
  selected: readonly T[];
  onChange: (next: T[]) => void;
}) {
  return (
    <div className="checks" role="group" aria-label={name}>
      {options.map((o) => (
        <label key={o} className="checkbox">
          <input
            type="checkbox"
            name={name}
            value={o}
            checked={selected.includes(o)}
            onChange={(e) => onChange(toggle(selected, o, e.target.checked))}
          />
          {labels?.[o] ?? o}
        </label>
      ))}
    </div>
  );
}

/** Which events (filters AND together; an empty list means any) go where. */
export function TriggerForm({ draft, onChange, error, workloads, readOnly, isNew }: Props) {
  // The server compiles it (RE2) as you type; a viewer cannot ask, nor change it.
  const regexCheck = usePatternTest(readOnly ? '' : draft.filter.message_regex, '');
  const setFilter = (filter: Partial<TriggerDraft['filter']>) =>
    onChange({ ...draft, filter: { ...draft.filter, ...filter } });
  return (
    <fieldset className="form-grid" disabled={readOnly}>
      <Field label="Name" name="name" error={error}>
        {(p) => (
          <input
            {...p}
            name="name"
            required
            value={draft.name}
            onChange={(e) => onChange({ ...draft, name: e.target.value })}
          />
        )}
      </Field>
      <Field label="Enabled" name="enabled" error={error}>
        {(p) => (
          <label className="checkbox">
            <input
              {...p}
              type="checkbox"
              name="enabled"
              checked={draft.enabled}
              onChange={(e) => onChange({ ...draft, enabled: e.target.checked })}
            />
            {draft.enabled ? 'on' : 'off'}
          </label>
        )}
      </Field>
      <Field
        label="Severities"
        name="filter.severities"
        error={error}
        hint="None checked: any severity."
      >
        {() => (
          <Checks
            name="severities"
            options={SEVERITIES}
            selected={draft.filter.severities}
            onChange={(severities) => setFilter({ severities })}
          />
        )}
      </Field>
      <Field label="Sources" name="filter.sources" error={error} hint="None checked: any source.">
        {() => (
          <Checks
            name="sources"
            options={EVENT_SOURCES}
            selected={draft.filter.sources}
            onChange={(sources) => setFilter({ sources })}
          />
        )}
      </Field>
      <Field
        label="Workloads"
        name="filter.workloads"
        error={error}
        hint="None checked: every workload."
      >
        {() =>
          workloads.length === 0 ? (
            <span className="muted small">no workloads</span>
          ) : (
            <Checks
              name="workloads"
              options={workloads.map((w) => w.id)}
              labels={Object.fromEntries(workloads.map((w) => [w.id, w.name]))}
              selected={draft.filter.workloads}
              onChange={(ids) => setFilter({ workloads: ids })}
            />
          )
        }
      </Field>
      <Field
        label="Hosts"
        name="filter.hosts"
        error={error}
        hint="Host ids, comma-separated; local is this server's own engine. Empty: every host."
      >
        {(p) => (
          <input
            {...p}
            name="hosts"
            value={draft.filter.hosts}
            onChange={(e) => setFilter({ hosts: e.target.value })}
          />
        )}
      </Field>
      <Field
        label="Group wait (s)"
        name="group_wait_seconds"
        error={error}
        hint="0: each event on its own. Else the first waits this long and one message lists what came with it."
      >
        {(p) => (
          <input
            {...p}
            name="group_wait_seconds"
            inputMode="numeric"
            value={draft.group_wait_seconds}
            onChange={(e) => onChange({ ...draft, group_wait_seconds: e.target.value })}
          />
        )}
      </Field>
      <Field
        label="Group interval (s)"
        name="group_interval_seconds"
        error={error}
        hint="After a grouped message, the next goes no sooner than this. 0: off."
      >
        {(p) => (
          <input
            {...p}
            name="group_interval_seconds"
            inputMode="numeric"
            value={draft.group_interval_seconds}
            onChange={(e) => onChange({ ...draft, group_interval_seconds: e.target.value })}
          />
        )}
      </Field>
      <Field
        label="Message matches (RE2)"
        name="filter.message_regex"
        error={error}
        wide
        extra={
          draft.filter.message_regex ? (
            <CompileStatus check={regexCheck} />
          ) : (
            <div className="field-hint">Empty: any message.</div>
          )
        }
      >
        {(p) => (
          <input
            {...p}
            name="message_regex"
            className="mono"
            value={draft.filter.message_regex}
            onChange={(e) => setFilter({ message_regex: e.target.value })}
          />
        )}
      </Field>
      <Field
        label="Notify on"
        name="notify_on"
        error={error}
        hint="Related events form one incident: notify when it opens and resolves (and remind while it stays open), or on every event."
      >
        {() => (
          <Checks
            name="notify_on"
            options={NOTIFY_ON}
            labels={NOTIFY_LABELS}
            selected={draft.notify_on}
            onChange={(notify_on) => onChange({ ...draft, notify_on })}
          />
        )}
      </Field>
      <Field
        label="Remind every (seconds)"
        name="repeat_interval_seconds"
        error={error}
        hint="With “reminder while open”: one reminder this often while an incident stays open. 0: none."
      >
        {(p) => (
          <input
            {...p}
            name="repeat_interval_seconds"
            inputMode="numeric"
            value={draft.repeat_interval_seconds}
            onChange={(e) => onChange({ ...draft, repeat_interval_seconds: e.target.value })}
          />
        )}
      </Field>
      <Field
        label="Wait for the lines after a hit (seconds)"
        name="context_wait_seconds"
        error={error}
        hint="0 to 30: a rule hit's notification goes once the lines after it are in, or after this long with what there is."
      >
        {(p) => (
          <input
            {...p}
            name="context_wait_seconds"
            inputMode="numeric"
            value={draft.context_wait_seconds}
            onChange={(e) => onChange({ ...draft, context_wait_seconds: e.target.value })}
          />
        )}
      </Field>
      <ChannelFields draft={draft} onChange={onChange} error={error} />
      {channelSpec(draft.channel.type).signed && (
        <Field
          label="Signing secret"
          name="secret"
          error={error}
          wide
          hint={
            isNew
              ? 'Requests are signed per Standard Webhooks. Empty: Logwarden makes a secret and shows it once, when the trigger is created.'
              : 'Stored, and never shown again. Type or generate a new one (whsec_…) to replace it; the receiver must then verify with the new one.'
          }
          extra={
            !readOnly && (
              <button
                type="button"
                className="small link-button"
                onClick={() => onChange({ ...draft, secret: generateSigningSecret() })}
              >
                generate a new secret
              </button>
            )
          }
        >
          {(p) => (
            <input
              {...p}
              name="secret"
              className="mono"
              autoComplete="off"
              spellCheck={false}
              placeholder={isNew ? 'whsec_… (optional)' : '•••••••• (stored)'}
              value={draft.secret}
              onChange={(e) => onChange({ ...draft, secret: e.target.value })}
            />
          )}
        </Field>
      )}
    </fieldset>
  );
}
