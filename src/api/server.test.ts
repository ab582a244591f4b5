import type { InjectOptions } from 'fastify';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { AppError, ErrorCode } from '../errors.js';
import { StoreWritability, type StoreFault } from '../store/index.js';
import type { EngineStatus } from '../docker/engine-monitor.js';
import { healthRoutes } from './routes/health.js';
import { actingAs } from '../../test/support/test-principals.js';
import { buildServer } from './server.js';
import { Severity } from './wire/events.js';
import { Type } from '@sinclair/typebox';

const silent = pino({ level: 'silent' });

function engine(reachable: boolean): { status(): EngineStatus } {
  return {
    status: () => ({
      reachable,
      version: reachable ? '20.10.24' : null,
      api_version: reachable ? '1.41' : null,
      error: reachable ? null : 'connect ENOENT /var/run/docker.sock',
      checked_at: new Date().toISOString(),
    }),
  };
}

async function server(opts: { dbOk?: boolean; dockerOk?: boolean; writes?: StoreFault } = {}) {
  const writability = new StoreWritability();
  if (opts.writes)
    writability.failed(opts.writes, new Error('SQLITE_FULL: database or disk is full'));
  const database = {
    dialect: 'sqlite',
    writability,
    ping: async () => {
      if (opts.dbOk === false) throw new Error('database unreachable');
    },
  };
  return buildServer({
    authenticator: actingAs(),
    logger: silent,
    routes: [
      healthRoutes({ database, engine: engine(opts.dockerOk ?? true), version: '0.0.0' }),
      async (app) => {
        app.get('/boom/app', async () => {
          throw new AppError(ErrorCode.Conflict, 'already there');
        });
        app.get('/boom/field', async () => {
          throw AppError.validation('limit', 'must be at most 500');
        });
        app.get('/boom/crash', async () => {
          throw new Error('secret stack detail');
        });
        app.post(
          '/typed',
          {
            schema: {
              body: {
                type: 'object',
                required: ['name'],
                properties: { name: { type: 'string' }, count: { type: 'integer' } },
                additionalProperties: false,
              },
              querystring: Type.Object({ severity: Type.Optional(Severity) }),
            },
          },
          async () => ({ ok: true }),
        );
      },
    ],
  });
}

describe('health routes', () => {
  it('healthz answers while the process is up', async () => {
    const app = await server({ dockerOk: false, dbOk: false });
    const res = await app.inject('/healthz');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'ok' });
  });

  it('readyz is 200 with details when database and docker answer', async () => {
    const app = await server();
    const res = await app.inject('/readyz');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      ready: true,
      checks: { database: { ok: true }, docker: { ok: true, api_version: '1.41' } },
    });
  });

  it('readyz is 503 and says which part is down', async () => {
    const app = await server({ dockerOk: false });
    const res = await app.inject('/readyz');
    expect(res.statusCode).toBe(503);
    const body = res.json();
    expect(body.ready).toBe(false);
    expect(body.checks.docker).toMatchObject({ ok: false, error: expect.stringMatching(/ENOENT/) });
    expect(body.checks.database.ok).toBe(true);

    const dbDown = await (await server({ dbOk: false })).inject('/readyz');
    expect(dbDown.statusCode).toBe(503);
    expect(dbDown.json().checks.database).toMatchObject({
      ok: false,
      error: 'database unreachable',
    });
  });

  it('readyz is 503 naming why the database takes no writes, while reads work', async () => {
    const res = await (await server({ writes: 'disk full' })).inject('/readyz');
    expect(res.statusCode).toBe(503);
    expect(res.json().checks.database).toMatchObject({
      ok: false,
      writable: false,
      error: 'not writable: disk full',
      write_error: 'SQLITE_FULL: database or disk is full',
      not_writable_since: expect.any(String),
    });
  });
});

describe('error handler', () => {
  it('maps AppError codes to statuses with a stable body', async () => {
    const app = await server();
    const res = await app.inject('/boom/app');
    expect(res.statusCode).toBe(409);
    expect(res.json()).toEqual({ error: { code: 'CONFLICT', message: 'already there' } });
  });

  it('names the field of a validation error', async () => {
    const app = await server();
    const res = await app.inject('/boom/field');
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'limit' });
  });

  it('turns schema failures into 400 naming the field', async () => {
    const app = await server();
    const res = await app.inject({ method: 'POST', url: '/typed', payload: { nom: 1 } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'name' });
  });

  /** A refusal as the API gives it: 400, one line, naming the field. */
  async function refusal(request: InjectOptions) {
    const res = await (await server()).inject(request);
    expect(res.statusCode).toBe(400);
    const { error } = res.json();
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.message).not.toContain('\n');
    return error as { message: string; field: string };
  }

  it('answers an empty JSON body with 400 naming the body', async () => {
    const error = await refusal({
      method: 'POST',
      url: '/typed',
      headers: { 'content-type': 'application/json' },
      payload: '',
    });
    expect(error).toMatchObject({ field: 'body', message: expect.stringMatching(/^body: /) });
    expect(error.message).not.toMatch(/FST_/);
  });

  it('answers a wrong type with 400 naming the field and the type', async () => {
    const error = await refusal({
      method: 'POST',
      url: '/typed',
      payload: { name: 'x', count: 'many' },
    });
    expect(error).toEqual({
      code: 'VALIDATION_FAILED',
      field: 'count',
      message: 'count: must be an integer',
    });
  });

  it('answers an unknown enum value with 400 naming the field and the allowed values', async () => {
    const error = await refusal({
      method: 'POST',
      url: '/typed?severity=bad',
      payload: { name: 'x' },
    });
    expect(error).toEqual({
      code: 'VALIDATION_FAILED',
      field: 'severity',
      message: 'severity: must be one of info, warn, error, critical',
    });
  });

  it('names every offending field in one line', async () => {
    const error = await refusal({
      method: 'POST',
      url: '/typed',
      payload: { count: 1.5, colour: 'red' },
    });
    expect(error.field).toBe('name');
    expect(error.message).toBe(
      'name: is required; colour: is not a field here; count: must be an integer',
    );
  });

  it('answers a body that is not JSON with 415, and a malformed one with 400', async () => {
    const app = await server();
    const text = await app.inject({
      method: 'POST',
      url: '/typed',
      headers: { 'content-type': 'application/xml' },
      payload: '<name>x</name>',
    });
    expect(text.statusCode).toBe(415);
    expect(text.json().error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    const broken = await app.inject({
      method: 'POST',
      url: '/typed',
      headers: { 'content-type': 'application/json' },
      payload: '{"name": ',
    });
    expect(broken.statusCode).toBe(400);
    expect(broken.json().error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'body' });
  });

  it('never leaks a stack trace or message of an unexpected error', async () => {
    const app = await server();
    const res = await app.inject('/boom/crash');
    expect(res.statusCode).toBe(500);
    expect(res.body).not.toContain('secret stack detail');
    expect(res.json()).toEqual({ error: { code: 'INTERNAL', message: 'internal error' } });
  });

  it('answers unknown routes with a JSON 404', async () => {
    const app = await server();
    const res = await app.inject('/nope?x=1');
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('NOT_FOUND');
  });
});
