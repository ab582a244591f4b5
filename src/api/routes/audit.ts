import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { JournalFilter, JournalList, JournalPage, JournalStats } from '../../audit/index.js';
import { AuditApi } from '../wire/audit.js';
import { AppError } from '../../errors.js';
import { parseTime } from './events.js';

export interface AuditApiDeps {
  journal: {
    list(filter: JournalFilter, page: JournalPage): JournalList;
    stats(): JournalStats;
  };
}

export function auditRoutes(deps: AuditApiDeps) {
  return async (base: FastifyInstance): Promise<void> => {
    const app = base.withTypeProvider<TypeBoxTypeProvider>();

    app.get(
      '/api/audit',
      { config: { access: 'admin' }, schema: AuditApi.list },
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

    app.get('/api/audit/stats', { config: { access: 'admin' }, schema: AuditApi.stats }, async () =>
      deps.journal.stats(),
    );
  };
}
