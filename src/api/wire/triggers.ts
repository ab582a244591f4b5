import { Type, type Static, type TProperties } from '@sinclair/typebox';
import {
  CHANNEL_TYPES,
  DELIVERY_STATUSES,
  MAX_CONTEXT_WAIT_SECONDS,
  MAX_DELIVERY_PAGE,
  MAX_GROUP_INTERVAL_SECONDS,
  MAX_GROUP_WAIT_SECONDS,
  NOTIFY_ON,
  PLACEHOLDER,
  SMTP_SECURITY,
} from '../../triggers/model.js';
import { errors } from './errors.js';
import { EventSource, Severity } from './events.js';
import {
  CursorPage,
  Enum,
  FreeForm,
  IdParam,
  IsoTime,
  NoContent,
  Nullable,
  Page,
} from './shapes.js';

export const ChannelType = Enum(CHANNEL_TYPES);
export type ChannelType = Static<typeof ChannelType>;

export const DeliveryStatus = Enum(DELIVERY_STATUSES, {
  description:
    'pending: waiting for an attempt; sent: a receiver took it; failed: refused for good; dead: every attempt failed.',
});
export type DeliveryStatus = Static<typeof DeliveryStatus>;

const secret = `Write-only: reads show ${PLACEHOLDER}, and sending ${PLACEHOLDER} back keeps the stored value.`;
const Text = Type.String();
const Template = Nullable(Type.String({ description: 'A message template; null: the default.' }));
const channel = <T extends string, P extends TProperties>(type: T, fields: P) =>
  Type.Object({ type: Type.Literal(type), ...fields });

/** Each channel's own settings, as reads show them (credentials as the placeholder). */
export const Channel = Type.Union([
  channel('webhook', {
    url: Text,
    headers: FreeForm(Type.String(), `Sent with every request. ${secret}`),
    body_template: Template,
  }),
  channel('slack', {
    url: Type.String({ description: `The incoming-webhook URL, its path hidden. ${secret}` }),
    text_template: Template,
  }),
  channel('discord', {
    url: Type.String({ description: secret }),
    content_template: Template,
    username: Nullable(Type.String()),
  }),
  channel('ntfy', {
    server: Text,
    topic: Text,
    token: Nullable(Type.String({ description: secret })),
    title_template: Template,
    message_template: Template,
  }),
  channel('gotify', {
    server: Text,
    token: Type.String({ description: secret }),
    title_template: Template,
    message_template: Template,
  }),
  channel('telegram', {
    api_url: Text,
    bot_token: Type.String({ description: secret }),
    chat_id: Text,
    text_template: Template,
  }),
  channel('email', {
    host: Text,
    port: Type.Integer(),
    security: Enum(SMTP_SECURITY),
    username: Nullable(Type.String()),
    password: Nullable(Type.String({ description: secret })),
    from: Text,
    to: Type.Array(Type.String()),
    subject_template: Template,
    body_template: Template,
  }),
]);
export type Channel = Static<typeof Channel>;

export const NotifyOn = Enum(NOTIFY_ON, {
  description:
    'event: every matching event; opened: the first event of an incident; reminder: while it stays open; resolved: when it ends.',
});
const NotifyOnList = Type.Array(NotifyOn, {
  description: "Which transitions are notified. New triggers: ['opened', 'resolved'].",
});

export const TriggerFilter = Type.Object({
  severities: Type.Array(Severity, { description: 'Any of; empty: any severity.' }),
  sources: Type.Array(EventSource, { description: 'Any of; empty: any source.' }),
  workloads: Type.Array(Type.String(), { description: 'Any of these workload ids; empty: any.' }),
  hosts: Type.Array(Type.String(), {
    description:
      "Any of these hosts (scale-out); `local`: the serving process's own engine; empty: any.",
  }),
  message_regex: Type.String({ description: 'RE2, searched in the message; empty: any.' }),
});
export type TriggerFilter = Static<typeof TriggerFilter>;

const GroupWait = Type.Integer({
  minimum: 0,
  maximum: MAX_GROUP_WAIT_SECONDS,
  description:
    'Grouping: the first notification of a batch waits this long to collect what arrives with it, then one message lists them all. 0: off (each event is sent on its own).',
});
const GroupInterval = Type.Integer({
  minimum: 0,
  maximum: MAX_GROUP_INTERVAL_SECONDS,
  description: 'Grouping: after a batch is sent, the next one goes no sooner than this. 0: off.',
});

export const Trigger = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  enabled: Type.Boolean(),
  filter: TriggerFilter,
  channel: Channel,
  secret: Type.String({
    description: `The Standard Webhooks signing secret. ${secret} The answer to a create carries the generated one, that once.`,
  }),
  disabled_reason: Nullable(
    Type.String({ description: 'Why the trigger turned itself off (a 410 Gone), else null.' }),
  ),
  group_wait_seconds: GroupWait,
  group_interval_seconds: GroupInterval,
  notify_on: NotifyOnList,
  repeat_interval_seconds: Type.Integer({
    description:
      'While an incident stays open, a reminder every this many seconds (with `reminder` in notify_on); 0: none.',
  }),
  context_wait_seconds: Type.Integer({
    minimum: 0,
    maximum: MAX_CONTEXT_WAIT_SECONDS,
    description:
      "How long a rule hit's delivery waits, at most, for the lines after the hit; it goes as soon as they are stored. 0 sends at once.",
  }),
  created_at: IsoTime(),
  updated_at: IsoTime(),
});
export type Trigger = Static<typeof Trigger>;

/** `POST /api/triggers/:id/test`: one real send, now; nothing is stored. */
export const TestOutcome = Type.Object({
  ok: Type.Boolean(),
  status: Enum(['sent', 'failed'] as const),
  status_code: Nullable(
    Type.Integer({ description: "The receiver's HTTP status (SMTP code for e-mail)." }),
  ),
  latency_ms: Type.Number(),
  error: Nullable(Type.String()),
});
export type TestOutcome = Static<typeof TestOutcome>;

export const Delivery = Type.Object({
  id: Type.Integer(),
  trigger_id: Type.Integer(),
  event_id: Type.Integer(),
  channel: ChannelType,
  status: DeliveryStatus,
  attempts: Type.Integer(),
  next_attempt_at: Nullable(IsoTime('When the next attempt is due; only while pending.')),
  last_status_code: Nullable(Type.Integer()),
  last_error: Nullable(Type.String()),
  latency_ms: Nullable(Type.Number()),
  message_id: Type.String({ description: 'The `webhook-id`, the same on every attempt.' }),
  created_at: IsoTime(),
  updated_at: IsoTime(),
  sent_at: Nullable(IsoTime()),
  transition: NotifyOn,
  incident_id: Nullable(Type.Integer()),
});
export type Delivery = Static<typeof Delivery>;

const Strings = Type.Array(Type.String());

/** Types only; the service checks values and says which field is wrong and why. */
export const TriggerBody = Type.Object(
  {
    name: Type.Optional(Type.String()),
    enabled: Type.Optional(Type.Boolean()),
    filter: Type.Optional(
      Type.Object(
        {
          severities: Type.Optional(Strings),
          sources: Type.Optional(Strings),
          workloads: Type.Optional(Strings),
          hosts: Type.Optional(Strings),
          message_regex: Type.Optional(Type.String()),
        },
        { additionalProperties: false },
      ),
    ),
    // Each channel type has its own fields; the channel checks them.
    channel: Type.Optional(
      Type.Object(
        { type: Type.Optional(Type.String()) },
        { additionalProperties: true, description: "`type` and that channel's settings." },
      ),
    ),
    secret: Type.Optional(Nullable(Type.String())),
    group_wait_seconds: Type.Optional(Type.Integer()),
    group_interval_seconds: Type.Optional(Type.Integer()),
    notify_on: Type.Optional(Strings),
    repeat_interval_seconds: Type.Optional(Type.Integer()),
    context_wait_seconds: Type.Optional(
      Type.Integer({ description: `0 to ${MAX_CONTEXT_WAIT_SECONDS}; default 3.` }),
    ),
  },
  { additionalProperties: false },
);

const Id = Type.Integer({ minimum: 1 });

export const DeliveryQuery = Type.Object(
  {
    status: Type.Optional(DeliveryStatus),
    trigger: Type.Optional(Id),
    before: Type.Optional(Id),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_DELIVERY_PAGE })),
  },
  { additionalProperties: false },
);
export const TriggerDeliveryQuery = Type.Omit(DeliveryQuery, ['trigger'], {
  additionalProperties: false,
});

const triggers = ['triggers'];
const deliveries = ['deliveries'];

export const TriggersApi = {
  list: { tags: triggers, summary: 'Triggers', response: { 200: Page(Trigger) } },
  get: {
    tags: triggers,
    summary: 'One trigger',
    params: IdParam,
    response: { 200: Trigger, ...errors(404) },
  },
  create: {
    tags: triggers,
    summary: 'Add a trigger',
    body: TriggerBody,
    response: { 201: Trigger, ...errors(400, 409) },
  },
  update: {
    tags: triggers,
    summary: 'Change a trigger',
    description: 'Changes only the fields sent.',
    params: IdParam,
    body: TriggerBody,
    response: { 200: Trigger, ...errors(400, 404) },
  },
  delete: {
    tags: triggers,
    summary: 'Delete a trigger',
    params: IdParam,
    response: { 204: NoContent, ...errors(404) },
  },
  test: {
    tags: triggers,
    summary: 'Send a test notification now',
    params: IdParam,
    response: { 200: TestOutcome, ...errors(404) },
  },
  deliveriesOf: {
    tags: [...triggers, ...deliveries],
    summary: "A trigger's deliveries, newest first",
    params: IdParam,
    querystring: TriggerDeliveryQuery,
    response: { 200: CursorPage(Delivery), ...errors(404) },
  },
  deliveries: {
    tags: deliveries,
    summary: 'Deliveries, newest first',
    querystring: DeliveryQuery,
    response: { 200: CursorPage(Delivery) },
  },
  delivery: {
    tags: deliveries,
    summary: 'One delivery',
    params: IdParam,
    response: { 200: Delivery, ...errors(404) },
  },
  retry: {
    tags: deliveries,
    summary: 'Send a failed or dead delivery again',
    params: IdParam,
    response: { 200: Delivery, ...errors(404, 409) },
  },
};
