import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { journalObject } from '../../audit/index.js';
import { AppError, ErrorCode } from '../../errors.js';
import {
  silenceState,
  type Silence,
  type SilenceFilter,
  type SilenceInput,
  type SilenceList,
  type SilencePage,
} from '../../incidents/index.js';
import { journaled, noteChange } from '../journal-hook.js';
import { SilencesApi, type Silence as SilenceJson } from '../wire/silences.js';
import { isoTime } from './wire-time.js';

/** What the routes need from the silences (SilencesService). */
export interface SilencesApiDeps {
  silences: {
    list(filter: SilenceFilter, page: SilencePage): Promise<SilenceList>;
    get(id: number): Promise<Silence>;
    create(input: SilenceInput, author: string): Promise<Silence>;
    end(id: number, by: string): Promise<Silence>;
  };
  now?: () => number;
}

export function silenceJson(s: Silence, now: number): SilenceJson {
  return {
    id: s.id,
    state: silenceState(s, now),
    matchers: s.matchers,
    starts_at: isoTime(s.starts_at),
    ends_at: isoTime(s.ends_at),
    comment: s.comment,
    author: s.author,
    schedule: s.schedule,
    ended_by: s.ended_by,
    created_at: isoTime(s.created_at),
    updated_at: isoTime(s.updated_at),
  };
}

export function silencesRoutes(deps: SilencesApiDeps) {
  const now = deps.now ?? Date.now;
  return async (base: FastifyInstance): Promise<void> => {
    const app = base.withTypeProvider<TypeBoxTypeProvider>();
    const who = (principal: { name: string } | null): string => {
      if (!principal) throw new AppError(ErrorCode.AuthRequired, 'authentication required');
      return principal.name;
    };

    app.get('/api/silences', { schema: SilencesApi.list }, async (request) => {
      const { state, before, limit } = request.query;
      const page = await deps.silences.list({ state }, { before, limit });
      const at = now();
      return { items: page.items.map((s) => silenceJson(s, at)), next: page.next };
    });

    app.get('/api/silences/:id', { schema: SilencesApi.get }, async (request) =>
      silenceJson(await deps.silences.get(request.params.id), now()),
    );

    app.post(
      '/api/silences',
      { ...journaled('silence.create'), schema: SilencesApi.create },
      async (request, reply) => {
        const silence = await deps.silences.create(request.body, who(request.principal));
        const shown = silenceJson(silence, now());
        noteChange(request, { object: journalObject.silence(silence.id), after: shown });
        return reply.status(201).send(shown);
      },
    );

    app.delete(
      '/api/silences/:id',
      { ...journaled('silence.end'), schema: SilencesApi.end },
      async (request) => {
        const { id } = request.params;
        noteChange(request, { object: journalObject.silence(id) });
        const before = silenceJson(await deps.silences.get(id), now());
        const after = silenceJson(await deps.silences.end(id, who(request.principal)), now());
        noteChange(request, { before, after });
        return after;
      },
    );
  };
}
