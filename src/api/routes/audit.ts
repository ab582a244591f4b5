import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import {
  MAX_JOURNAL_PAGE,
  type JournalFilter,
  type JournalList,
  type JournalPage,
  type JournalStats,
} from '../../audit/index.js';
import { AppError } from '../../errors.js';
import { parseTime } from './events.js';

export interface AuditApiDeps {
  journal: {
    list(filter: JournalFilter, page: JournalPage): JournalList;
    stats(): JournalStats;
  };
}

const AuditQuery = Type.Object(
  {
    actor: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    action: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    object: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
    success: Type.Optional(Type.Boolean()),
    since: Type.Optional(Type.String()),
    until: Type.Optional(Type.String()),
    before: Type.Optional(Type.Integer({ minimum: 1 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_JOURNAL_PAGE })),
  },
  { additionalProperties: false },
);

export function auditRoutes(deps: AuditApiDeps) {
  return async (base: FastifyInstance): Promise<void> => {
    const app = base.withTypeProvider<TypeBoxTypeProvider>();

    app.get(
      '/api/audit',
      { config: { access: 'admin' }, schema: { querystring: AuditQuery } },
      async (request) => {
        const q = request.query;
        const since = parseTime('since', q.since);
        const until = parseTime('until', q.until);
        if (since !== undefined && until !== undefined && since > until)
          throw AppError.validation('until', 'must not be before since');
        return deps.journal.list(
          { actor: q.actor, action: q.action, object: q.object, success: q.success, since, until },
          { before: q.before, limit: q.limit },
        );
      },
    );

    app.get('/api/audit/stats', { config: { access: 'admin' } }, async () => deps.journal.stats());
  };
}
