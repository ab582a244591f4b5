import { Type, type Static } from '@sinclair/typebox';
import { MAX_JOURNAL_PAGE } from '../../audit/model.js';
import { CursorPage, FreeForm, IsoTime, Nullable } from './shapes.js';

/** One operation of the journal. */
export const JournalEntry = Type.Object({
  id: Type.Integer({ description: 'Grows with every operation, also across restarts.' }),
  time: IsoTime(),
  actor: Type.String({ description: 'A user name, `token:<name>`, or `system`.' }),
  action: Type.String({
    description: '`<kind>.<verb>`: `rule.create`, `auth.login`, `rules.reload`, `delivery.sent`…',
  }),
  object: Nullable(Type.String({ description: '`user:3`, `trigger:7`, `/api/rules/2`…' })),
  success: Type.Boolean(),
  error_code: Nullable(Type.String()),
  source: Type.String({ description: 'api, auth, rules, triggers or system.' }),
  details: Type.Optional(FreeForm(Type.Unknown())),
  before: Type.Optional(
    Type.Unknown({ description: 'The object before the change; secrets removed.' }),
  ),
  after: Type.Optional(
    Type.Unknown({ description: 'The object after the change; secrets removed.' }),
  ),
});
export type JournalEntry = Static<typeof JournalEntry>;

export const JournalStats = Type.Object({
  total: Type.Integer(),
  successes: Type.Integer(),
  failures: Type.Integer(),
  by_source: FreeForm(Type.Integer()),
  recent_failures: Type.Array(JournalEntry, { description: 'The newest 10 failures.' }),
  replay: Type.Object({
    files: Type.Integer(),
    applied: Type.Integer(),
    skipped_malformed: Type.Integer(),
    skipped_oversized: Type.Integer(),
  }),
  write_failures: Type.Integer({ description: 'Operations kept in memory only.' }),
});
export type JournalStats = Static<typeof JournalStats>;

export const AuditQuery = Type.Object(
  {
    actor: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    action: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    object: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
    success: Type.Optional(Type.Boolean()),
    since: Type.Optional(Type.String({ description: 'ISO 8601 or milliseconds since the epoch.' })),
    until: Type.Optional(Type.String({ description: 'ISO 8601 or milliseconds since the epoch.' })),
    before: Type.Optional(Type.Integer({ minimum: 1 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_JOURNAL_PAGE })),
  },
  { additionalProperties: false },
);

const tags = ['journal'];

export const AuditApi = {
  list: {
    tags,
    summary: 'Operations, newest first (admins)',
    querystring: AuditQuery,
    response: { 200: CursorPage(JournalEntry) },
  },
  stats: { tags, summary: 'Counts of the journal (admins)', response: { 200: JournalStats } },
};
