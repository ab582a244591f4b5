import { useState } from 'react';
import { silencesApi, type Silence, type SilenceState } from '../../api/silences';
import { SEVERITIES } from '../../api/types';
import { ErrorMessage, FormError } from '../../components/errors';
import { Field } from '../../components/field';
import { Loading, PageHeader, Section } from '../../components/page';
import { ExactTime } from '../../components/time';
import { useInterval } from '../../hooks/use-interval';
import { useResource } from '../../hooks/use-resource';
import { useLocation } from '../../router/router';
import { useSession } from '../../shell/session';
import { bodyOf, draftFrom, DURATIONS, wantsForm, type SilenceDraft } from './silence-draft';

const FIELDS = [
  'matchers',
  'matchers.rules',
  'matchers.containers',
  'matchers.workloads',
  'matchers.hosts',
  'matchers.severities',
  'matchers.message_regex',
  'ends_at',
  'comment',
];

/** What a silence matches, in a line. */
export function matcherSummary(s: Silence): string {
  const m = s.matchers;
  const parts = [
    m.rules.length ? `rules ${m.rules.join(', ')}` : null,
    m.containers.length ? `containers ${m.containers.join(', ')}` : null,
    m.workloads.length ? `workloads ${m.workloads.join(', ')}` : null,
    m.hosts.length ? `hosts ${m.hosts.join(', ')}` : null,
    m.severities.length ? m.severities.join('/') : null,
    m.message_regex ? `/${m.message_regex}/` : null,
  ];
  return parts.filter(Boolean).join(' · ');
}

function scheduleSummary(s: Silence): string | null {
  if (!s.schedule) return null;
  const w = s.schedule;
  return `${w.days.join(', ')} ${w.start} for ${w.duration_minutes} min (${w.timezone})`;
}

function SilenceForm({ onCreated }: { onCreated: (s: Silence) => void }) {
  const { search } = useLocation();
  const [draft, setDraft] = useState<SilenceDraft>(() => draftFrom(search));
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const set = <K extends keyof SilenceDraft>(key: K, value: SilenceDraft[K]) =>
    setDraft({ ...draft, [key]: value });
  const text = (
    key: 'rules' | 'containers' | 'workloads' | 'hosts',
    label: string,
    hint: string,
  ) => (
    <Field label={label} name={`matchers.${key}`} error={error} hint={hint}>
      {(p) => (
        <input {...p} name={key} value={draft[key]} onChange={(e) => set(key, e.target.value)} />
      )}
    </Field>
  );
  const save = async () => {
    setBusy(true);
    setError(null);
    try {
      onCreated(await silencesApi.create(bodyOf(draft, Date.now())));
      setDraft(draftFrom(''));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form
      data-testid="silence-form"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <FormError error={error} fields={FIELDS} />
      <fieldset className="form-grid">
        {text('rules', 'Rules', 'Ids or names, comma-separated.')}
        {text('containers', 'Containers', 'Names; * and ? match any text / one character.')}
        {text('workloads', 'Workloads', 'Ids or names, with * and ?.')}
        {text('hosts', 'Hosts', 'Host names, with * and ?.')}
        <Field label="Severities" name="matchers.severities" error={error} hint="None: any.">
          {(p) => (
            <select
              {...p}
              name="severities"
              multiple
              value={draft.severities}
              onChange={(e) =>
                set(
                  'severities',
                  [...e.target.selectedOptions].map((o) => o.value),
                )
              }
            >
              {SEVERITIES.map((s) => (
                <option key={s}>{s}</option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Message regex" name="matchers.message_regex" error={error} hint="RE2.">
          {(p) => (
            <input
              {...p}
              name="message_regex"
              className="mono"
              value={draft.message_regex}
              onChange={(e) => set('message_regex', e.target.value)}
            />
          )}
        </Field>
        <Field label="For" name="ends_at" error={error}>
          {(p) => (
            <select
              {...p}
              name="duration"
              value={draft.duration_minutes}
              onChange={(e) => set('duration_minutes', e.target.value)}
            >
              {DURATIONS.map((d) => (
                <option key={d.minutes} value={d.minutes}>
                  {d.label}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Comment" name="comment" error={error} wide hint="Why: required.">
          {(p) => (
            <input
              {...p}
              name="comment"
              value={draft.comment}
              onChange={(e) => set('comment', e.target.value)}
            />
          )}
        </Field>
      </fieldset>
      <div className="form-actions">
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Saving…' : 'Create silence'}
        </button>
      </div>
    </form>
  );
}

function SilenceTable({
  items,
  canEdit,
  onEnd,
  testId,
}: {
  items: Silence[];
  canEdit: boolean;
  onEnd?: (s: Silence) => void;
  testId: string;
}) {
  if (items.length === 0) return <p className="empty">None.</p>;
  return (
    <div className="table-wrap">
      <table className="table" data-testid={testId}>
        <thead>
          <tr>
            <th>Matches</th>
            <th>From</th>
            <th>Until</th>
            <th className="hide-narrow">Comment</th>
            <th className="hide-narrow">By</th>
            {onEnd && canEdit && <th />}
          </tr>
        </thead>
        <tbody>
          {items.map((s) => (
            <tr key={s.id} data-silence-id={s.id} data-state={s.state}>
              <td>
                <span className="mono small">{matcherSummary(s)}</span>
                {s.state === 'pending' && <span className="badge subtle">pending</span>}
                {scheduleSummary(s) && (
                  <div className="muted small">window: {scheduleSummary(s)}</div>
                )}
              </td>
              <td className="small">
                <ExactTime iso={s.starts_at} />
              </td>
              <td className="small">
                <ExactTime iso={s.ends_at} />
              </td>
              <td className="hide-narrow small">{s.comment}</td>
              <td className="hide-narrow small">
                {s.author}
                {s.ended_by && <div className="muted">ended by {s.ended_by}</div>}
              </td>
              {onEnd && canEdit && (
                <td>
                  <button type="button" className="small danger" onClick={() => onEnd(s)}>
                    End
                  </button>
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

const byState = (items: Silence[], ...states: SilenceState[]) =>
  items.filter((s) => states.includes(s.state));

/** Silences: what is muted now and later, what was, and a form to add one. */
export function SilencesPage() {
  const { canEdit } = useSession();
  const { search } = useLocation();
  const [showForm, setShowForm] = useState(() => wantsForm(search));
  const open = useResource(() => silencesApi.list({ limit: 500 }), []);
  const [endError, setEndError] = useState<unknown>(null);
  const items = open.data?.items ?? [];
  // Silences start and run out on their own: the page follows.
  useInterval(() => open.reload(), 10_000);
  const end = async (s: Silence) => {
    setEndError(null);
    try {
      await silencesApi.end(s.id);
      open.reload();
    } catch (err) {
      setEndError(err);
    }
  };
  return (
    <>
      <PageHeader
        title="Silences"
        actions={
          canEdit &&
          !showForm && (
            <button type="button" className="primary" onClick={() => setShowForm(true)}>
              New silence
            </button>
          )
        }
      />
      <p className="muted">
        Events a silence matches are still recorded (marked silenced) but notify nobody.
      </p>
      {canEdit && showForm && (
        <Section title="New silence">
          <SilenceForm
            onCreated={() => {
              setShowForm(false);
              open.reload();
            }}
          />
        </Section>
      )}
      <ErrorMessage error={open.error ?? endError} />
      {!open.data && !open.error && <Loading />}
      {open.data && (
        <>
          <Section title="Active and pending">
            <SilenceTable
              items={byState(items, 'active', 'pending')}
              canEdit={canEdit}
              onEnd={(s) => void end(s)}
              testId="silences-active"
            />
          </Section>
          <Section title="Expired">
            <SilenceTable
              items={byState(items, 'expired')}
              canEdit={canEdit}
              testId="silences-expired"
            />
          </Section>
        </>
      )}
    </>
  );
}
