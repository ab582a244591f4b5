import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { Journal } from '../audit/index.js';
import { isAppError } from '../errors.js';

/** What a route adds to the journal entry of its request (secrets are removed later). */
export interface JournalNote {
  before?: unknown;
  after?: unknown;
  /** Overrides the request path as the entry's object. */
  object?: string;
  details?: Record<string, unknown>;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * How a change made through this route is journaled: its action, `<kind>.<verb>`
     * as every journal writer names actions (`rule.create`, `user.update`…); false when
     * the route records its own entries (login, setup). Every route that changes state
     * says one or the other (the route-table test checks).
     */
    journal?: false | { action: string };
  }
  interface FastifyRequest {
    journalNote: JournalNote | null;
    journalErrorCode: string | null;
  }
}

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Route options of a change journaled as `action` (`<kind>.<verb>`, e.g. `rule.create`). */
export function journaled(action: string): { config: { journal: { action: string } } } {
  return { config: { journal: { action } } };
}

/** Route options of a write that is no operation (it changes nothing), or records its own. */
export const NOT_JOURNALED = { config: { journal: false as const } };

/** Lets a route attach the object's state before and after its change. */
export function noteChange(request: FastifyRequest, note: JournalNote): void {
  request.journalNote = { ...request.journalNote, ...note };
}

/**
 * Records every change made through the API — who, which route, which object, and
 * whether it worked (with the error code when not) — in the operations journal.
 * Requests that never authenticated are not operations and are left out: a flood of
 * anonymous POSTs must not fill the journal (failed logins are recorded by auth).
 * Register before the route modules: it hooks the whole server.
 */
export function journalHook(journal: Journal): FastifyPluginAsync {
  const plugin: FastifyPluginAsync = async (app) => {
    app.decorateRequest('journalNote', null);
    app.decorateRequest('journalErrorCode', null);
    app.addHook('onError', async (request, _reply, error) => {
      if (isAppError(error)) request.journalErrorCode = error.code;
      else if ((error as { validation?: unknown }).validation)
        request.journalErrorCode = 'VALIDATION_FAILED';
    });
    app.addHook('onResponse', async (request, reply) => {
      if (READS.has(request.method)) return;
      const route = request.routeOptions;
      if (!route.url || route.config?.journal === false || !request.principal) return;
      const note = request.journalNote;
      const success = reply.statusCode < 400;
      journal.record({
        actor: request.principal.name,
        action: route.config?.journal?.action ?? `${request.method} ${route.url}`,
        object: note?.object ?? request.url.split('?')[0]!,
        success,
        error_code: success ? null : (request.journalErrorCode ?? `HTTP_${reply.statusCode}`),
        source: 'api',
        details: {
          route: `${request.method} ${route.url}`,
          status: reply.statusCode,
          via: request.principal.via,
          ...note?.details,
        },
        before: note?.before,
        after: note?.after,
      });
    });
  };
  // Hooks of a plugin apply to its own routes only, unless it opts out of encapsulation.
  return Object.assign(plugin, { [Symbol.for('skip-override')]: true });
}
