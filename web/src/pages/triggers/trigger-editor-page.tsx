import { useEffect, useRef, useState } from 'react';
import { inventoryApi } from '../../api/inventory';
import { SECRET_PLACEHOLDER, triggersApi } from '../../api/triggers';
import { ErrorMessage, FormError } from '../../components/errors';
import { ShownOnce } from '../../components/shown-once';
import { Loading, PageHeader, Section } from '../../components/page';
import { useResource } from '../../hooks/use-resource';
import { navigate } from '../../router/router';
import { useSession } from '../../shell/session';
import { channelSpec } from './channels';
import { DeliveryHistory } from './delivery-history';
import { SendTest } from './send-test';
import { draftOfTrigger, NEW_TRIGGER, triggerInput, type TriggerDraft } from './trigger-draft';
import { TriggerForm } from './trigger-form';

const BASE_FIELDS = [
  'name',
  'enabled',
  'filter.severities',
  'filter.sources',
  'filter.workloads',
  'filter.hosts',
  'filter.message_regex',
  'channel.type',
  'channel.headers',
  'secret',
  'notify_on',
  'repeat_interval_seconds',
];

/** Create or edit a trigger, send it a test, and see how its deliveries went. */
export function TriggerEditorPage({ id }: { id: number | null }) {
  const { canEdit } = useSession();
  const trigger = useResource(async () => (id === null ? null : triggersApi.get(id)), [id]);
  const workloads = useResource(() => inventoryApi.workloads(), []);
  const [draft, setDraft] = useState<TriggerDraft | null>(id === null ? NEW_TRIGGER : null);
  const [dirty, setDirty] = useState(false);
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState(false);
  /** The secret Logwarden generated for the trigger just created: shown this once. */
  const [newSecret, setNewSecret] = useState<string | null>(null);
  // The page stays mounted from /triggers/new to the created trigger's address (keeping
  // the one-time secret on screen); any other change of trigger starts afresh.
  const created = useRef<number | null>(null);
  const [shownId, setShownId] = useState(id);
  if (shownId !== id) {
    setShownId(id);
    if (id === null || id !== created.current) {
      setDraft(id === null ? NEW_TRIGGER : null);
      setDirty(false);
      setError(undefined);
      setSaved(false);
      setNewSecret(null);
    }
  }

  useEffect(() => {
    if (trigger.data && !dirty) setDraft(draftOfTrigger(trigger.data));
  }, [trigger.data, dirty]);

  const save = async () => {
    if (!draft) return;
    setBusy(true);
    setError(undefined);
    setSaved(false);
    try {
      const input = triggerInput(draft);
      if (id === null) {
        const made = await triggersApi.create(input);
        if (made.secret !== SECRET_PLACEHOLDER) setNewSecret(made.secret);
        const shown = { ...made, secret: SECRET_PLACEHOLDER };
        created.current = made.id;
        trigger.setData(() => shown);
        setDraft(draftOfTrigger(shown));
        navigate(`/triggers/${made.id}`, { replace: true });
      } else {
        const stored = await triggersApi.update(id, input);
        trigger.setData(() => stored);
        setDraft(draftOfTrigger(stored));
      }
      setDirty(false);
      setSaved(true);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const remove = async () => {
    if (id === null || !window.confirm('Delete this trigger and its deliveries?')) return;
    try {
      await triggersApi.delete(id);
      navigate('/triggers');
    } catch (err) {
      setError(err);
    }
  };

  if (trigger.error) return <ErrorMessage error={trigger.error} />;
  if (!draft) return <Loading />;
  const fields = [
    ...BASE_FIELDS,
    ...channelSpec(draft.channel.type).fields.map((f) => `channel.${f.name}`),
  ];
  const disabledReason = trigger.data?.disabled_reason;
  return (
    <>
      <PageHeader
        title={id === null ? 'New trigger' : trigger.data?.name || `Trigger ${id}`}
        actions={
          canEdit &&
          id !== null && (
            <button type="button" className="danger" onClick={() => void remove()}>
              Delete
            </button>
          )
        }
      />
      {newSecret && (
        <ShownOnce value={newSecret} testId="signing-secret" onDone={() => setNewSecret(null)}>
          <strong>Copy the signing secret now</strong>: it is not shown again. The receiver verifies
          each request&apos;s <code>webhook-signature</code> with it.
        </ShownOnce>
      )}
      {disabledReason && !trigger.data?.enabled && (
        <div className="banner banner-warn" role="status">
          This trigger turned itself off: {disabledReason}. Switch it on again to resume.
        </div>
      )}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void save();
        }}
      >
        <FormError error={error} fields={fields} />
        <TriggerForm
          draft={draft}
          onChange={(d) => {
            setDraft(d);
            setDirty(true);
            setSaved(false);
          }}
          error={error}
          workloads={workloads.data?.items ?? []}
          readOnly={!canEdit}
          isNew={id === null}
        />
        {canEdit && (
          <div className="form-actions">
            <button type="submit" className="primary" disabled={busy}>
              {busy ? 'Saving…' : id === null ? 'Create trigger' : 'Save'}
            </button>
            {saved && (
              <span className="field-ok" role="status">
                Saved.
              </span>
            )}
            {id !== null && <SendTest triggerId={id} disabled={dirty} />}
            {id !== null && dirty && (
              <span className="muted small">Save first to test these settings.</span>
            )}
          </div>
        )}
      </form>
      {id !== null && (
        <Section title="Deliveries">
          <DeliveryHistory triggerId={id} />
        </Section>
      )}
    </>
  );
}
