import { useEffect, useState } from 'react';
import { inventoryApi } from '../../api/inventory';
import { triggersApi } from '../../api/triggers';
import { ErrorMessage, FormError } from '../../components/errors';
import { Loading, PageHeader, Section } from '../../components/page';
import { useInterval } from '../../hooks/use-interval';
import { useResource } from '../../hooks/use-resource';
import { navigate } from '../../router/router';
import { useSession } from '../../shell/session';
import { channelSpec } from './channels';
import { DeliveriesTable } from './deliveries-table';
import { SendTest } from './send-test';
import { draftOfTrigger, NEW_TRIGGER, triggerInput, type TriggerDraft } from './trigger-draft';
import { TriggerForm } from './trigger-form';

const BASE_FIELDS = [
  'name',
  'enabled',
  'filter.severities',
  'filter.sources',
  'filter.workloads',
  'filter.message_regex',
  'channel.type',
  'secret',
];

export function TriggerEditorPage({ id }: { id: number | null }) {
  const { canEdit } = useSession();
  const trigger = useResource(async () => (id === null ? null : triggersApi.get(id)), [id]);
  const workloads = useResource(() => inventoryApi.workloads(), []);
  const deliveries = useResource(
    async () => (id === null ? null : triggersApi.deliveriesOf(id)),
    [id],
  );
  useInterval(deliveries.reload, id === null ? null : 5000);
  const [draft, setDraft] = useState<TriggerDraft | null>(id === null ? NEW_TRIGGER : null);
  const [dirty, setDirty] = useState(false);
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (trigger.data && !dirty) setDraft(draftOfTrigger(trigger.data));
  }, [trigger.data, dirty]);

  const save = async () => {
    if (!draft) return;
    setBusy(true);
    setError(undefined);
    try {
      const input = triggerInput(draft);
      const stored =
        id === null ? await triggersApi.create(input) : await triggersApi.update(id, input);
      setDirty(false);
      setDraft(draftOfTrigger(stored));
      if (id === null) navigate(`/triggers/${stored.id}`, { replace: true });
      else trigger.setData(() => stored);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const remove = async () => {
    if (id === null || !window.confirm('Delete this trigger?')) return;
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
  return (
    <>
      <PageHeader
        title={id === null ? 'New trigger' : draft.name || `Trigger ${id}`}
        actions={
          canEdit &&
          id !== null && (
            <button type="button" className="danger" onClick={() => void remove()}>
              Delete
            </button>
          )
        }
      />
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
          }}
          error={error}
          workloads={workloads.data?.items ?? []}
          readOnly={!canEdit}
        />
        {canEdit && (
          <div className="form-actions">
            <button type="submit" className="primary" disabled={busy}>
              {busy ? 'Saving…' : id === null ? 'Create trigger' : 'Save'}
            </button>
            {id !== null && <SendTest triggerId={id} onSent={deliveries.reload} disabled={dirty} />}
            {id !== null && dirty && (
              <span className="muted small">Save first to test these settings.</span>
            )}
          </div>
        )}
      </form>
      {id !== null && (
        <Section title="Deliveries">
          <ErrorMessage error={deliveries.error} />
          {deliveries.data && (
            <DeliveriesTable
              deliveries={deliveries.data.items}
              showTrigger={false}
              onRetried={() => deliveries.reload()}
            />
          )}
        </Section>
      )}
    </>
  );
}
