import type { Rule, Workload } from '../../api/types';
import { SEVERITIES } from '../../api/types';
import { Field } from '../../components/field';
import { CompileStatus } from './pattern-feedback';
import type { RuleDraft } from './rule-draft';
import type { PatternCheck } from './use-pattern-test';

interface Props {
  draft: RuleDraft;
  onChange: (draft: RuleDraft) => void;
  error: unknown;
  check: PatternCheck;
  workloads: Workload[];
  globals: Rule[];
  readOnly: boolean;
}

/** The named groups of a pattern, as the group-by choices (a plain scan, no RE2). */
function namedGroups(pattern: string): string[] {
  return [...pattern.matchAll(/\(\?P?<([A-Za-z_][A-Za-z0-9_]*)>/g)].map((m) => m[1]!);
}

function conditionHint(draft: RuleDraft): string {
  switch (draft.condition_type) {
    case 'count':
      return 'Fires when this many lines match within the window, per group; the window then starts over. The cooldown applies to fires.';
    case 'absence':
      return 'Fires when a running container (for a workload rule: every one of the workload) writes no matching line for the window; resolves on the next one. The cooldown is not used.';
    default:
      return 'Each matching line is a hit (then the cooldown).';
  }
}

/** The rule's fields; a 400 naming one shows under it. */
export function RuleForm({ draft, onChange, error, check, workloads, globals, readOnly }: Props) {
  const set = <K extends keyof RuleDraft>(key: K, value: RuleDraft[K]) =>
    onChange({ ...draft, [key]: value });
  const overridden = globals.find((g) => String(g.id) === draft.overrides_rule_id);
  return (
    <fieldset className="form-grid" disabled={readOnly}>
      <Field label="Name" name="name" error={error}>
        {(p) => (
          <input
            {...p}
            name="name"
            value={draft.name}
            maxLength={200}
            onChange={(e) => set('name', e.target.value)}
          />
        )}
      </Field>
      <Field
        label="Pattern"
        name="pattern"
        wide
        error={check.state === 'invalid' ? undefined : error}
        extra={<CompileStatus check={check} />}
      >
        {(p) => (
          <textarea
            {...p}
            name="pattern"
            className="mono"
            rows={2}
            spellCheck={false}
            autoCapitalize="off"
            aria-invalid={p['aria-invalid'] || check.state === 'invalid'}
            value={draft.pattern}
            onChange={(e) => set('pattern', e.target.value)}
          />
        )}
      </Field>
      <Field label="Severity" name="severity" error={error}>
        {(p) => (
          <select
            {...p}
            name="severity"
            value={draft.severity}
            onChange={(e) => set('severity', e.target.value as RuleDraft['severity'])}
          >
            {SEVERITIES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        )}
      </Field>
      <Field label="Stream" name="stream" error={error}>
        {(p) => (
          <select
            {...p}
            name="stream"
            value={draft.stream}
            onChange={(e) => set('stream', e.target.value as RuleDraft['stream'])}
          >
            <option value="both">stdout and stderr</option>
            <option value="stdout">stdout</option>
            <option value="stderr">stderr</option>
          </select>
        )}
      </Field>
      <Field
        label="Cooldown (seconds)"
        name="cooldown_seconds"
        error={error}
        hint="After a hit, the same rule in the same container is silent this long."
      >
        {(p) => (
          <input
            {...p}
            name="cooldown_seconds"
            inputMode="numeric"
            value={draft.cooldown_seconds}
            onChange={(e) => set('cooldown_seconds', e.target.value)}
          />
        )}
      </Field>
      <Field
        label="Resolve after (seconds)"
        name="resolve_after_seconds"
        error={error}
        hint="An incident of this rule resolves after this long without a hit. Empty: the configured default."
      >
        {(p) => (
          <input
            {...p}
            name="resolve_after_seconds"
            inputMode="numeric"
            placeholder="default"
            value={draft.resolve_after_seconds}
            onChange={(e) => set('resolve_after_seconds', e.target.value)}
          />
        )}
      </Field>
      <Field label="Fires on" name="condition.type" error={error} hint={conditionHint(draft)}>
        {(p) => (
          <select
            {...p}
            name="condition_type"
            value={draft.condition_type}
            onChange={(e) => set('condition_type', e.target.value as RuleDraft['condition_type'])}
          >
            <option value="line">every matching line</option>
            <option value="count">a count of matching lines in a window</option>
            <option value="absence">no matching line for a while</option>
          </select>
        )}
      </Field>
      {draft.condition_type === 'count' && (
        <Field label="At least (lines)" name="condition.threshold" error={error}>
          {(p) => (
            <input
              {...p}
              name="threshold"
              inputMode="numeric"
              value={draft.threshold}
              onChange={(e) => set('threshold', e.target.value)}
            />
          )}
        </Field>
      )}
      {draft.condition_type !== 'line' && (
        <Field label="Window (seconds)" name="condition.window_seconds" error={error}>
          {(p) => (
            <input
              {...p}
              name="window_seconds"
              inputMode="numeric"
              value={draft.window_seconds}
              onChange={(e) => set('window_seconds', e.target.value)}
            />
          )}
        </Field>
      )}
      {draft.condition_type === 'count' && (
        <Field
          label="Counted per"
          name="condition.group_by"
          error={error}
          hint="container, workload, or capture:<name> of a named group of the pattern"
        >
          {(p) => (
            <input
              {...p}
              name="group_by"
              list="group-by-choices"
              spellCheck={false}
              autoCapitalize="off"
              value={draft.group_by}
              onChange={(e) => set('group_by', e.target.value)}
            />
          )}
        </Field>
      )}
      <datalist id="group-by-choices">
        <option value="container" />
        <option value="workload" />
        {namedGroups(draft.pattern).map((name) => (
          <option key={name} value={`capture:${name}`} />
        ))}
      </datalist>
      <Field
        label="Lines before a hit"
        name="context.before"
        error={error}
        hint="Kept with each event (0 to 20): what the container wrote just before."
      >
        {(p) => (
          <input
            {...p}
            name="context.before"
            inputMode="numeric"
            value={draft.context_before}
            onChange={(e) => set('context_before', e.target.value)}
          />
        )}
      </Field>
      <Field
        label="Lines after a hit"
        name="context.after"
        error={error}
        hint="Kept with each event (0 to 50); notifications wait a few seconds for them."
      >
        {(p) => (
          <input
            {...p}
            name="context.after"
            inputMode="numeric"
            value={draft.context_after}
            onChange={(e) => set('context_after', e.target.value)}
          />
        )}
      </Field>
      <Field
        label="Whole stack traces"
        name="context.multiline"
        error={error}
        hint="Keep the rest of a multi-line record (stack trace, traceback) too, even beyond the lines after."
      >
        {(p) => (
          <label className="checkbox">
            <input
              {...p}
              type="checkbox"
              name="context.multiline"
              checked={draft.context_multiline}
              onChange={(e) => set('context_multiline', e.target.checked)}
            />
            {draft.context_multiline ? 'on' : 'off'}
          </label>
        )}
      </Field>
      <Field
        label="Enabled"
        name="enabled"
        error={error}
        hint={
          draft.overrides_rule_id && !draft.enabled
            ? 'A disabled override silences the global rule in this workload.'
            : undefined
        }
      >
        {(p) => (
          <label className="checkbox">
            <input
              {...p}
              type="checkbox"
              name="enabled"
              checked={draft.enabled}
              onChange={(e) => set('enabled', e.target.checked)}
            />
            {draft.enabled ? 'on' : 'off'}
          </label>
        )}
      </Field>
      <Field label="Scope" name="scope" error={error}>
        {(p) => (
          <select
            {...p}
            name="scope"
            value={draft.scope}
            onChange={(e) =>
              onChange({
                ...draft,
                scope: e.target.value as RuleDraft['scope'],
                overrides_rule_id: e.target.value === 'global' ? '' : draft.overrides_rule_id,
              })
            }
          >
            <option value="global">global: every container</option>
            <option value="workload">one workload</option>
          </select>
        )}
      </Field>
      {draft.scope === 'workload' && (
        <>
          <Field label="Workload" name="workload_id" error={error}>
            {(p) => (
              <select
                {...p}
                name="workload_id"
                value={draft.workload_id}
                onChange={(e) => set('workload_id', e.target.value)}
              >
                <option value="">choose…</option>
                {workloads.map((w) => (
                  <option key={w.id} value={w.id}>
                    {w.name}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field
            label="Overrides"
            name="overrides_rule_id"
            error={error}
            hint={
              overridden
                ? `Replaces the global rule “${overridden.name}” in this workload.`
                : 'A rule of its own, added to the global rules.'
            }
          >
            {(p) => (
              <select
                {...p}
                name="overrides_rule_id"
                value={draft.overrides_rule_id}
                onChange={(e) => set('overrides_rule_id', e.target.value)}
              >
                <option value="">nothing (a rule of its own)</option>
                {globals.map((g) => (
                  <option key={g.id} value={String(g.id)}>
                    {g.name}
                  </option>
                ))}
              </select>
            )}
          </Field>
        </>
      )}
    </fieldset>
  );
}
