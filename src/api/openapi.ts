import fastifySwagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import { VERSION } from '../version.js';
import { accessOf } from './access-guard.js';
import { SESSION_COOKIE } from './credentials.js';
import { ErrorCode } from '../errors.js';
import { ERROR_STATUS } from './wire/errors.js';
import { SystemApi } from './wire/system.js';

const DESCRIPTION = `Everything the web UI does, for scripts and other tools. JSON with snake_case
field names; times are ISO 8601 in UTC; lists are \`{"items": [...], "next": cursor-or-null}\`.
Every error is \`{"error": {"code", "message", "field"?}}\` with a stable code per status.
Every route but the public ones needs a session cookie (the web UI's, from
\`POST /api/login\`) or an API token (\`Authorization: Bearer lw_…\`); \`x-access\` says which
role: reads need a viewer, changes an admin; \`logs\` (reading containers' log lines) needs
an admin, or a viewer where the server has auth.viewers_read_logs on. A cookie-authenticated
change must come from this server's own origin.`;

/** What each operation needs, beside its security requirement: `viewer`, `admin`, `metrics`, `logs`. */
const ACCESS_EXTENSION = 'x-access';

/**
 * The OpenAPI 3.1 document, generated from the routes' own schemas (the wire contract),
 * served at `GET /api/openapi.json` to whoever may read the API.
 */
export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Logwarden API', version: VERSION, description: DESCRIPTION },
      components: {
        schemas: {
          ErrorCode: {
            type: 'string',
            enum: Object.values(ErrorCode),
            description: `Every error code, with the HTTP status it comes with: ${Object.values(
              ErrorCode,
            )
              .map((code) => `${code} ${ERROR_STATUS[code]}`)
              .join(', ')}. Codes of a stream's failure also arrive in its \`end\` message.`,
          },
        },
        securitySchemes: {
          session: {
            type: 'apiKey',
            in: 'cookie',
            name: SESSION_COOKIE,
            description: 'The session cookie `POST /api/login` sets (HttpOnly, SameSite=Strict).',
          },
          token: {
            type: 'http',
            scheme: 'bearer',
            description:
              'An API token (`lw_…`) from `POST /api/tokens` or `logwarden tokens create`.',
          },
        },
      },
      security: [{ session: [] }, { token: [] }],
    },
    transform: ({ schema, url, route }) => {
      const access = route.config?.public
        ? { security: [] }
        : { [ACCESS_EXTENSION]: accessOf(String(route.method), route.config?.access) };
      return { schema: { ...schema, ...access } as typeof schema, url };
    },
  });

  app.get('/api/openapi.json', { schema: SystemApi.openapi }, async () => app.swagger());
}
