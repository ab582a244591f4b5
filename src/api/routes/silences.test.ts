import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { OperationJournal } from '../../audit/index.js';
import { SilenceRepository, SilencesService } from '../../incidents/index.js';
import { useTestStore } from '../../../test/support/databases.js';
import { ADMIN, VIEWER } from '../../../test/support/test-principals.js';
import type { Principal } from '../../auth/principal.js';
import { journalHook } from '../journal-hook.js';
import { buildServer } from '../server.js';
import { silencesRoutes } from './silences.js';

const log = pino({ level: 'silent' });

describe('silences over the API', () => {
  const store = useTestStore('sqlite');

  async function app() {
    const journal = new OperationJournal({ files: null });
    const silences = new SilencesService({
      repo: new SilenceRepository(store().db),
      workloads: { workloadName: async () => null },
      journal,
      log,
      localHost: 'box',
    });
    let principal: Principal | null = ADMIN;
    const server = await buildServer({
      logger: log,
      authenticator: { authenticate: async () => principal },
      routes: [journalHook(journal), silencesRoutes({ silences })],
    });
    return { server, journal, as: (p: Principal | null) => (principal = p) };
  }

  const body = () => ({
    matchers: { workloads: ['shop'], rules: ['disk', 7] },
    ends_at: new Date(Date.now() + 3_600_000).toISOString(),
    comment: 'deploy of the shop',
  });

  it('creates (admins), lists and reads (viewers), ends keeping the row, all journaled', async () => {
    const { server, journal, as } = await app();
    const created = await server.inject({ method: 'POST', url: '/api/silences', payload: body() });
    expect(created.statusCode).toBe(201);
    const silence = created.json();
    expect(silence).toMatchObject({
      state: 'active',
      author: ADMIN.name,
      matchers: {
        workloads: ['shop'],
        rules: ['disk', 7],
        containers: [],
        hosts: [],
        severities: [],
        message_regex: '',
      },
      schedule: null,
      ended_by: null,
    });
    as(VIEWER);
    const refused = await server.inject({ method: 'POST', url: '/api/silences', payload: body() });
    expect(refused.statusCode).toBe(403);
    const list = await server.inject({ method: 'GET', url: '/api/silences?state=active' });
    expect(list.json()).toEqual({ items: [silence], next: null });
    expect(
      (await server.inject({ method: 'GET', url: `/api/silences/${silence.id}` })).json(),
    ).toEqual(silence);
    as(ADMIN);
    const ended = await server.inject({ method: 'DELETE', url: `/api/silences/${silence.id}` });
    expect(ended.statusCode).toBe(200);
    expect(ended.json()).toMatchObject({ id: silence.id, state: 'expired', ended_by: ADMIN.name });
    const expired = await server.inject({ method: 'GET', url: '/api/silences?state=expired' });
    expect(expired.json().items.map((s: { id: number }) => s.id)).toEqual([silence.id]);
    const entries = journal.list({}, {}).items.filter((e) => e.action.startsWith('silence.'));
    expect(entries.map((e) => [e.action, e.actor, e.success])).toEqual([
      ['silence.end', ADMIN.name, true],
      ['silence.create', VIEWER.name, false],
      ['silence.create', ADMIN.name, true],
    ]);
    expect(entries[0]!.object).toBe(`silence:${silence.id}`);
    expect(entries[2]!.after).toMatchObject({ comment: 'deploy of the shop' });
  });

  it('answers 400 naming the field, 404 for an unknown silence', async () => {
    const { server } = await app();
    const bad = await server.inject({
      method: 'POST',
      url: '/api/silences',
      payload: { ...body(), matchers: { message_regex: '(a' } },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toMatchObject({ field: 'matchers.message_regex' });
    const noComment = await server.inject({
      method: 'POST',
      url: '/api/silences',
      payload: { ...body(), comment: '' },
    });
    expect(noComment.json().error).toMatchObject({ field: 'comment' });
    expect((await server.inject({ method: 'DELETE', url: '/api/silences/99' })).statusCode).toBe(
      404,
    );
  });
});
