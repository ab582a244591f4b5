import { AppError, ErrorCode } from '../../errors.js';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ServerResponse } from 'node:http';
import type { ContainerRecord, ContainerFilter, Workload } from '../../inventory/index.js';
import { MAX_SEARCH_MS, MAX_SEARCHES_PER_USER } from '../../logs/model.js';
import { searchQuery } from '../../logs/search-query.js';
import {
  searchLimitReached,
  type FrameSink,
  type LogSource,
  type OpenSearch,
  type SearchFrame,
  type SearchQuery,
} from '../../logs/search.js';
import { Slots } from '../../stream/index.js';
import { LogsApi, type LogSearchQuery } from '../wire/logs.js';
import { clientGone, userKey } from '../stream-access.js';
import { readableContainer, type ContainerFinder } from './container-ref.js';

export interface LogsApiDeps {
  search: {
    open(sources: LogSource[], query: SearchQuery, signal: AbortSignal): Promise<OpenSearch>;
  };
  containers: ContainerFinder & {
    list(filter: ContainerFilter): Promise<(ContainerRecord & { host_id?: string | null })[]>;
  };
  workloads: { get(id: string): Promise<Workload> };
  maxPerUser?: number;
  /** A response still open this long after it started is cut: default MAX_SEARCH_MS + 10 s. */
  deadlineMs?: number;
}

/**
 * The search checks its own time limit between chunks; a client that stops reading
 * parks it on a write that never drains, where no chunk comes. Cutting the response
 * wakes that write (the sink listens to 'close'), and the search, its Docker requests
 * and its slot end with it.
 */
const DEADLINE_GRACE_MS = 10_000;
/** After an abort (shutdown, deadline), how long a search may take to write its end. */
const ABORT_GRACE_MS = 1_000;

const cut = (res: ServerResponse) => {
  if (!res.writableEnded && !res.destroyed) res.destroy();
};

type Format = NonNullable<LogSearchQuery['format']>;

const CONTENT_TYPE: Record<Format, string> = {
  ndjson: 'application/x-ndjson; charset=utf-8',
  jsonl: 'application/jsonl; charset=utf-8',
  text: 'text/plain; charset=utf-8',
};
const EXTENSION: Record<Format, string> = { ndjson: 'ndjson', jsonl: 'jsonl', text: 'log' };

/**
 * A frame as a line of the chosen format, or null for none. ndjson sends every frame;
 * jsonl the log lines without `type`, and the end only when the search stopped early;
 * text the lines as `timestamp [container] text`, and a `#` line when it stopped early.
 */
function encoder(format: Format, named: boolean): (frame: SearchFrame) => string | null {
  if (format === 'ndjson') return (frame) => `${JSON.stringify(frame)}\n`;
  return (frame) => {
    if (frame.type === 'progress') return null;
    if (frame.type === 'end') {
      if (frame.reason === 'complete') return null;
      return format === 'jsonl'
        ? `${JSON.stringify(frame)}\n`
        : `# logwarden: stopped early (${frame.reason}${frame.message ? `: ${frame.message}` : ''}) after ${frame.lines_scanned} lines scanned\n`;
    }
    if (format === 'jsonl') {
      const { type: _type, ...line } = frame;
      return `${JSON.stringify(line)}\n`;
    }
    const name = named ? ` ${frame.container_name.replace(/^\//, '')}` : '';
    return `${frame.timestamp ?? '-'}${name} ${frame.text}\n`;
  };
}

/** Writes frames to the response, waiting for it to drain; a response gone takes nothing. */
function responseSink(
  res: ServerResponse,
  encode: (frame: SearchFrame) => string | null,
): FrameSink {
  return {
    write(frame) {
      if (res.destroyed || res.writableEnded) return;
      const text = encode(frame);
      if (text === null || res.write(text)) return;
      return new Promise<void>((resolve) => {
        const done = () => {
          res.off('drain', done);
          res.off('close', done);
          resolve();
        };
        res.on('drain', done);
        res.on('close', done);
      });
    },
  };
}

/** A file name of letters, digits, `.`, `_` and `-` only: it goes into a header. */
const fileName = (name: string, format: Format) =>
  `${name.replace(/^\//, '').replace(/[^\w.-]+/g, '_') || 'logs'}.${EXTENSION[format]}`;

export function logsRoutes(deps: LogsApiDeps) {
  const maxPerUser = deps.maxPerUser ?? MAX_SEARCHES_PER_USER;
  const deadlineMs = deps.deadlineMs ?? MAX_SEARCH_MS + DEADLINE_GRACE_MS;

  return async (base: FastifyInstance): Promise<void> => {
    const app = base.withTypeProvider<TypeBoxTypeProvider>();
    const perUser = new Slots(maxPerUser);
    const running = new Set<AbortController>();
    app.addHook('preClose', async () => {
      for (const controller of running) controller.abort();
    });

    const serve = async (
      request: FastifyRequest,
      reply: FastifyReply,
      input: LogSearchQuery,
      target: { name: string; sources: LogSource[]; named: boolean },
    ) => {
      const format = input.format ?? 'ndjson';
      const query = searchQuery({ ...input, whole: format !== 'ndjson' });
      const release = perUser.tryAcquire(userKey(request));
      if (!release) throw searchLimitReached(maxPerUser);
      const controller = new AbortController();
      running.add(controller);
      const done = () => {
        running.delete(controller);
        release();
      };
      let search: OpenSearch;
      try {
        search = await deps.search.open(target.sources, query, controller.signal);
      } catch (err) {
        done();
        throw err;
      }
      reply.hijack();
      const res = reply.raw;
      // The client leaving (or the response ending) ends the search and its Docker requests.
      res.on('close', () => controller.abort());
      if (clientGone(request, reply)) controller.abort();
      // Shutting down aborts: the search writes its end frame (cancelled); a client that does
      // not read it is cut after ABORT_GRACE_MS.
      controller.signal.addEventListener('abort', () =>
        setTimeout(cut, ABORT_GRACE_MS, res).unref(),
      );
      const deadline = setTimeout(cut, deadlineMs, res).unref();
      const headers: Record<string, string> = {
        'content-type': CONTENT_TYPE[format],
        'cache-control': 'no-store',
        'x-accel-buffering': 'no',
      };
      if (input.download)
        headers['content-disposition'] = `attachment; filename="${fileName(target.name, format)}"`;
      res.writeHead(200, headers);
      try {
        const end = await search.run(responseSink(res, encoder(format, target.named)));
        request.log.debug({ end }, 'log search ended');
      } catch (err) {
        request.log.error({ err }, 'log search failed');
      } finally {
        clearTimeout(deadline);
        done();
        res.end();
      }
    };

    app.get(
      '/api/containers/:id/logs',
      { config: { stream: true, access: 'logs' }, schema: LogsApi.container },
      async (request, reply) => {
        const container = await readableContainer(deps.containers, request.params.id);
        if (container.host_id)
          throw new AppError(
            ErrorCode.DockerLogsUnavailable,
            `container ${container.name} runs on host ${container.host_id}: its log is followed live through its agent, and cannot be read back from this server yet`,
            { details: { container: container.id, host: container.host_id } },
          );
        const sources = [{ id: container.id, name: container.name, tty: container.tty }];
        await serve(request, reply, request.query, { name: container.name, sources, named: false });
      },
    );

    app.get(
      '/api/workloads/:id/logs',
      { config: { stream: true, access: 'logs' }, schema: LogsApi.workload },
      async (request, reply) => {
        const workload = await deps.workloads.get(request.params.id);
        const containers = await deps.containers.list({ workload_id: workload.id });
        // A removed container has no log left to read, nor one whose driver cannot be read;
        // one on an agent's host is not read back from here (yet).
        const sources = containers
          .filter((c) => c.state !== 'missing' && c.logs_available && !c.host_id)
          .map((c) => ({ id: c.id, name: c.name, tty: c.tty }));
        await serve(request, reply, request.query, { name: workload.id, sources, named: true });
      },
    );
  };
}
