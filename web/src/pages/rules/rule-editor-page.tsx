import { useEffect, useRef, useState } from 'react';
import { inventoryApi } from '../../api/inventory';
import { rulesApi } from '../../api/rules';
import { FormError } from '../../components/errors';
import { Loading, PageHeader, Section } from '../../components/page';
import { useResource } from '../../hooks/use-resource';
import { navigate, useSearchParams } from '../../router/router';
import { useSession } from '../../shell/session';
import { SampleResult } from './pattern-feedback';
import { PRESETS, type RulePreset } from './presets';
import { draftOf, EMPTY_DRAFT, inputOf, overrideDraft, type RuleDraft } from './rule-draft';
import { RuleForm } from './rule-form';
import { TryOnContainer } from './try-on-container';
import { usePatternTest } from './use-pattern-test';

const FIELDS = [
  'name',
  'pattern',
  'severity',
  'stream',
  'cooldown_seconds',
  'enabled',
  'scope',
  'workload_id',
  'overrides_rule_id',
  'resolve_after_seconds',
];

/** Create or edit a rule, with the pattern checked by the server as you type. */
export function RuleEditorPage({ id }: { id: number | null }) {
  const { canEdit } = useSession();
  const [params] = useSearchParams();
  const rule = useResource(async () => (id === null ? null : rulesApi.get(id)), [id]);
  const workloads = useResource(() => inventoryApi.workloads(), []);
  const globals = useResource(() => rulesApi.list({ scope: 'global' }), []);
  const [draft, setDraft] = useState<RuleDraft | null>(null);
  const [sample, setSample] = useState('');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState(false);
  // Testing a pattern is a POST: admins only. A viewer reads the rule as stored.
  const check = usePatternTest(canEdit ? (draft?.pattern ?? '') : '', sample);
  // The page stays mounted from /rules/new to the created rule's address (keeping the
  // sample line and the "Saved"); any other change of rule starts afresh.
  const created = useRef<number | null>(null);
  const [shownId, setShownId] = useState(id);
  if (shownId !== id) {
    setShownId(id);
    if (id === null || id !== created.current) {
      setDraft(null);
      setSample('');
      setSaved(false);
      setError(undefined);
    }
  }

  // The starting draft: the stored rule, an override's global, or an empty rule.
  useEffect(() => {
    if (draft !== null) return;
    if (id !== null) {
      if (rule.data) setDraft(draftOf(rule.data));
      return;
    }
    const workload = params.get('workload') ?? '';
    const overrides = params.get('overrides');
    if (overrides) {
      const global = globals.data?.items.find((g) => String(g.id) === overrides);
      if (global) setDraft(overrideDraft(global, workload));
      else if (globals.data || globals.error)
        setDraft({ ...EMPTY_DRAFT, scope: 'workload', workload_id: workload });
      return;
    }
    setDraft(workload ? { ...EMPTY_DRAFT, scope: 'workload', workload_id: workload } : EMPTY_DRAFT);
  }, [draft, id, rule.data, globals.data, globals.error, params]);

  const applyPreset = (preset: RulePreset) => {
    setDraft((d) => ({
      ...(d ?? EMPTY_DRAFT),
      name: preset.name,
      pattern: preset.pattern,
      severity: preset.severity,
    }));
    setSample(preset.sample);
  };

  const save = async () => {
    if (!draft) return;
    setBusy(true);
    setError(undefined);
    setSaved(false);
    try {
      const input = inputOf(draft);
      const stored = id === null ? await rulesApi.create(input) : await rulesApi.update(id, input);
      setDraft(draftOf(stored));
      setSaved(true);
      if (id === null) {
        created.current = stored.id;
        navigate(`/rules/${stored.id}`, { replace: true });
      }
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const remove = async () => {
    if (
      id === null ||
      !window.confirm('Delete this rule? A global rule takes its overrides with it.')
    )
      return;
    try {
      await rulesApi.delete(id);
      navigate('/rules');
    } catch (err) {
      setError(err);
    }
  };

  if (rule.error) return <FormError error={rule.error} fields={[]} />;
  if (!draft) return <Loading />;
  return (
    <>
      <PageHeader
        title={id === null ? 'New rule' : draft.name || `Rule ${id}`}
        actions={
          canEdit &&
          id !== null && (
            <button type="button" className="danger" onClick={() => void remove()}>
              Delete
            </button>
          )
        }
      />
      {canEdit && id === null && (
        <div className="presets" aria-label="Presets">
          <span className="muted small">Start from a preset:</span>
          {PRESETS.map((p) => (
            <button
              key={p.id}
              type="button"
              className="small"
              data-preset={p.id}
              onClick={() => applyPreset(p)}
            >
              {p.name}
            </button>
          ))}
        </div>
      )}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void save();
        }}
      >
        <FormError error={error} fields={FIELDS} />
        <RuleForm
          draft={draft}
          onChange={(d) => {
            setDraft(d);
            setSaved(false);
          }}
          error={error}
          check={check}
          workloads={workloads.data?.items ?? []}
          globals={(globals.data?.items ?? []).filter((g) => g.id !== id)}
          readOnly={!canEdit}
        />
        {canEdit && (
          <Section title="Test on a sample line">
            <textarea
              className="mono sample-line"
              name="sample_line"
              aria-label="Sample line"
              rows={2}
              placeholder="Paste a log line"
              value={sample}
              onChange={(e) => setSample(e.target.value)}
            />
            <SampleResult check={check} sample={sample} />
          </Section>
        )}
        {canEdit && (
          <div className="form-actions">
            <button type="submit" className="primary" disabled={busy || check.state === 'invalid'}>
              {busy ? 'Saving…' : id === null ? 'Create rule' : 'Save'}
            </button>
            {saved && (
              <span className="field-ok" role="status">
                Saved.
              </span>
            )}
          </div>
        )}
      </form>
      {canEdit && (
        <Section title="Try on a container">
          <TryOnContainer pattern={draft.pattern} />
        </Section>
      )}
    </>
  );
}
