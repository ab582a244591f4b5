import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import {
  PLACEHOLDER,
  publicTrigger,
  type CreatedTrigger,
  type Delivery,
  type DeliveryFilter,
  type DeliveryList,
  type DeliveryPage,
  type TestSendResult,
  type Trigger,
  type TriggerInput,
} from '../../triggers/index.js';
import { journaled, noteChange } from '../journal-hook.js';
import {
  TriggersApi,
  type Channel,
  type Delivery as DeliveryJson,
  type Trigger as TriggerJson,
} from '../wire/triggers.js';
import { isoTime, isoTimeOrNull } from './wire-time.js';
import { journalObject } from '../../audit/index.js';

/** What the routes need from the triggers domain (TriggersService, DeliveriesService). */
export interface TriggersApiDeps {
  triggers: {
    list(): Promise<Trigger[]>;
    get(id: number): Promise<Trigger>;
    create(input: TriggerInput): Promise<CreatedTrigger>;
    update(id: number, input: TriggerInput): Promise<Trigger>;
    delete(id: number): Promise<void>;
    test(id: number): Promise<TestSendResult>;
  };
  deliveries: {
    list(filter: DeliveryFilter, page: DeliveryPage): Promise<DeliveryList>;
    listForTrigger(
      triggerId: number,
      filter: Omit<DeliveryFilter, 'trigger_id'>,
      page: DeliveryPage,
    ): Promise<DeliveryList>;
    get(id: number): Promise<Delivery>;
    retry(id: number): Promise<Delivery>;
  };
}

/** The journal's name for a trigger, as the delivery entries use it. */

/** A trigger as every read shows it: credentials and the secret as `********`. */
export function triggerJson(trigger: Trigger): TriggerJson {
  const shown = publicTrigger(trigger);
  return {
    id: shown.id,
    name: shown.name,
    enabled: shown.enabled,
    filter: {
      severities: shown.filter.severities,
      sources: shown.filter.sources,
      workloads: shown.filter.workloads,
      hosts: shown.filter.hosts,
      message_regex: shown.filter.message_regex,
    },
    // The channel's settings are its own (the union of the wire schema keeps each type's).
    channel: shown.channel as Channel,
    secret: shown.secret,
    disabled_reason: shown.disabled_reason,
    group_wait_seconds: shown.group_wait_seconds,
    group_interval_seconds: shown.group_interval_seconds,
    notify_on: shown.notify_on,
    repeat_interval_seconds: shown.repeat_interval_seconds,
    context_wait_seconds: shown.context_wait_seconds,
    created_at: isoTime(shown.created_at),
    updated_at: isoTime(shown.updated_at),
  };
}

export function deliveryJson(d: Delivery): DeliveryJson {
  return {
    id: d.id,
    trigger_id: d.trigger_id,
    event_id: d.event_id,
    channel: d.channel,
    status: d.status,
    attempts: d.attempts,
    next_attempt_at: d.status === 'pending' ? isoTime(d.next_attempt_at) : null,
    last_status_code: d.last_status_code,
    last_error: d.last_error,
    latency_ms: d.latency_ms,
    message_id: d.message_id,
    created_at: isoTime(d.created_at),
    updated_at: isoTime(d.updated_at),
    sent_at: isoTimeOrNull(d.sent_at),
    transition: d.transition,
    incident_id: d.incident_id,
  };
}

export function triggersRoutes(deps: TriggersApiDeps) {
  return async (base: FastifyInstance): Promise<void> => {
    const app = base.withTypeProvider<TypeBoxTypeProvider>();

    app.get('/api/triggers', { schema: TriggersApi.list }, async () => {
      const items = await deps.triggers.list();
      return { items: items.map(triggerJson), next: null };
    });

    app.get('/api/triggers/:id', { schema: TriggersApi.get }, async (request) =>
      triggerJson(await deps.triggers.get(request.params.id)),
    );

    // The journal gets the public form only (credentials as ********); the journal also
    // knows every stored credential and would redact one that slipped through.
    app.post(
      '/api/triggers',
      { ...journaled('trigger.create'), schema: TriggersApi.create },
      async (request, reply) => {
        const { trigger, generated_secret } = await deps.triggers.create(request.body);
        const shown = triggerJson(trigger);
        noteChange(request, { object: journalObject.trigger(trigger.id), after: shown });
        // The one time a secret is shown: the one Logwarden generated.
        return reply.status(201).send({ ...shown, secret: generated_secret ?? PLACEHOLDER });
      },
    );

    app.patch(
      '/api/triggers/:id',
      { ...journaled('trigger.update'), schema: TriggersApi.update },
      async (request) => {
        const { id } = request.params;
        noteChange(request, { object: journalObject.trigger(id) });
        const before = triggerJson(await deps.triggers.get(id));
        noteChange(request, { before });
        const after = triggerJson(await deps.triggers.update(id, request.body));
        noteChange(request, { after });
        return after;
      },
    );

    app.delete(
      '/api/triggers/:id',
      { ...journaled('trigger.delete'), schema: TriggersApi.delete },
      async (request, reply) => {
        const { id } = request.params;
        noteChange(request, { object: journalObject.trigger(id) });
        const before = triggerJson(await deps.triggers.get(id));
        await deps.triggers.delete(id);
        noteChange(request, { before });
        return reply.status(204).send();
      },
    );

    app.post(
      '/api/triggers/:id/test',
      { ...journaled('trigger.test'), schema: TriggersApi.test },
      async (request) => {
        noteChange(request, { object: journalObject.trigger(request.params.id) });
        const sent = await deps.triggers.test(request.params.id);
        return {
          ok: sent.ok,
          status: sent.status,
          status_code: sent.status_code,
          latency_ms: sent.latency_ms,
          error: sent.error,
        };
      },
    );

    app.get(
      '/api/triggers/:id/deliveries',
      { schema: TriggersApi.deliveriesOf },
      async (request) => {
        const { status, before, limit } = request.query;
        const page = await deps.deliveries.listForTrigger(
          request.params.id,
          { status },
          { before, limit },
        );
        return { items: page.items.map(deliveryJson), next: page.next };
      },
    );

    app.get('/api/deliveries', { schema: TriggersApi.deliveries }, async (request) => {
      const { status, trigger, before, limit } = request.query;
      const page = await deps.deliveries.list({ status, trigger_id: trigger }, { before, limit });
      return { items: page.items.map(deliveryJson), next: page.next };
    });

    app.get('/api/deliveries/:id', { schema: TriggersApi.delivery }, async (request) =>
      deliveryJson(await deps.deliveries.get(request.params.id)),
    );

    app.post(
      '/api/deliveries/:id/retry',
      { ...journaled('delivery.retry'), schema: TriggersApi.retry },
      async (request) => {
        noteChange(request, { object: journalObject.delivery(request.params.id) });
        return deliveryJson(await deps.deliveries.retry(request.params.id));
      },
    );
  };
}
