import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import {
  DELIVERY_STATUSES,
  MAX_DELIVERY_PAGE,
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
import { noteChange } from '../journal-hook.js';

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

const iso = (ms: number) => new Date(ms).toISOString();

/** The journal's name for a trigger, as the delivery entries use it. */
const objectOf = (id: number) => `trigger:${id}`;

/** A trigger as every read shows it: credentials and the secret as `********`. */
export function triggerJson(trigger: Trigger) {
  const shown = publicTrigger(trigger);
  return { ...shown, created_at: iso(shown.created_at), updated_at: iso(shown.updated_at) };
}

export function deliveryJson(d: Delivery) {
  const { event: _event, ...rest } = d;
  return {
    ...rest,
    next_attempt_at: d.status === 'pending' ? iso(d.next_attempt_at) : null,
    created_at: iso(d.created_at),
    updated_at: iso(d.updated_at),
    sent_at: d.sent_at === null ? null : iso(d.sent_at),
  };
}

const Strings = Type.Array(Type.String());

/** Types only; the service checks values and says which field is wrong and why. */
const TriggerBody = Type.Object(
  {
    name: Type.Optional(Type.String()),
    enabled: Type.Optional(Type.Boolean()),
    filter: Type.Optional(
      Type.Object(
        {
          severities: Type.Optional(Strings),
          sources: Type.Optional(Strings),
          workloads: Type.Optional(Strings),
          message_regex: Type.Optional(Type.String()),
        },
        { additionalProperties: false },
      ),
    ),
    // Each channel type has its own fields; the channel checks them.
    channel: Type.Optional(
      Type.Object({ type: Type.Optional(Type.String()) }, { additionalProperties: true }),
    ),
    secret: Type.Optional(Type.Unsafe<string | null>({ type: ['string', 'null'] })),
  },
  { additionalProperties: false },
);

const Id = Type.Integer({ minimum: 1 });
const IdParam = Type.Object({ id: Id });

const DeliveryQuery = Type.Object(
  {
    status: Type.Optional(Type.Union(DELIVERY_STATUSES.map((s) => Type.Literal(s)))),
    trigger: Type.Optional(Id),
    before: Type.Optional(Id),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_DELIVERY_PAGE })),
  },
  { additionalProperties: false },
);
const TriggerDeliveryQuery = Type.Omit(DeliveryQuery, ['trigger'], { additionalProperties: false });

export function triggersRoutes(deps: TriggersApiDeps) {
  return async (base: FastifyInstance): Promise<void> => {
    const app = base.withTypeProvider<TypeBoxTypeProvider>();

    app.get('/api/triggers', async () => {
      const items = await deps.triggers.list();
      return { items: items.map(triggerJson), next: null };
    });

    app.get('/api/triggers/:id', { schema: { params: IdParam } }, async (request) =>
      triggerJson(await deps.triggers.get(request.params.id)),
    );

    // The journal gets the public form only (credentials as ********); the journal also
    // knows every stored credential and would redact one that slipped through.
    app.post('/api/triggers', { schema: { body: TriggerBody } }, async (request, reply) => {
      const { trigger, generated_secret } = await deps.triggers.create(request.body);
      const shown = triggerJson(trigger);
      noteChange(request, { object: objectOf(trigger.id), after: shown });
      // The one time a secret is shown: the one Logwarden generated.
      return reply.status(201).send({ ...shown, secret: generated_secret ?? PLACEHOLDER });
    });

    app.patch(
      '/api/triggers/:id',
      { schema: { params: IdParam, body: TriggerBody } },
      async (request) => {
        const { id } = request.params;
        noteChange(request, { object: objectOf(id) });
        const before = triggerJson(await deps.triggers.get(id));
        noteChange(request, { before });
        const after = triggerJson(await deps.triggers.update(id, request.body));
        noteChange(request, { after });
        return after;
      },
    );

    app.delete('/api/triggers/:id', { schema: { params: IdParam } }, async (request, reply) => {
      const { id } = request.params;
      noteChange(request, { object: objectOf(id) });
      const before = triggerJson(await deps.triggers.get(id));
      await deps.triggers.delete(id);
      noteChange(request, { before });
      return reply.status(204).send();
    });

    app.post('/api/triggers/:id/test', { schema: { params: IdParam } }, async (request) => {
      noteChange(request, { object: objectOf(request.params.id) });
      return deps.triggers.test(request.params.id);
    });

    app.get(
      '/api/triggers/:id/deliveries',
      { schema: { params: IdParam, querystring: TriggerDeliveryQuery } },
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

    app.get('/api/deliveries', { schema: { querystring: DeliveryQuery } }, async (request) => {
      const { status, trigger, before, limit } = request.query;
      const page = await deps.deliveries.list({ status, trigger_id: trigger }, { before, limit });
      return { items: page.items.map(deliveryJson), next: page.next };
    });

    app.get('/api/deliveries/:id', { schema: { params: IdParam } }, async (request) =>
      deliveryJson(await deps.deliveries.get(request.params.id)),
    );

    app.post('/api/deliveries/:id/retry', { schema: { params: IdParam } }, async (request) =>
      deliveryJson(await deps.deliveries.retry(request.params.id)),
    );
  };
}
