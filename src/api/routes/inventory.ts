import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { AppError } from '../../errors.js';
import {
  CONTAINER_STATES,
  type ContainerFilter,
  type ContainerRecord,
  type Workload,
} from '../../inventory/index.js';

/** What the routes need from the inventory domain. */
export interface InventoryApiDeps {
  containers: {
    list(filter: ContainerFilter): Promise<ContainerRecord[]>;
    find(idOrName: string): Promise<ContainerRecord | null>;
  };
  workloads: {
    list(): Promise<Workload[]>;
    get(id: string): Promise<Workload>;
    create(input: { id?: unknown; name?: unknown }): Promise<Workload>;
    rename(id: string, name: unknown): Promise<Workload>;
    delete(id: string): Promise<void>;
  };
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function containerJson(c: ContainerRecord) {
  return {
    ...c,
    started_at: iso(c.started_at),
    finished_at: iso(c.finished_at),
    last_seen_at: iso(c.last_seen_at),
  };
}

export function workloadJson(w: Workload) {
  return { ...w, created_at: iso(w.created_at) };
}

const ContainerQuery = Type.Object(
  {
    state: Type.Optional(Type.Union(CONTAINER_STATES.map((s) => Type.Literal(s)))),
    workload: Type.Optional(Type.String({ minLength: 1, maxLength: 63 })),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  },
  { additionalProperties: false },
);

const IdParam = Type.Object({ id: Type.String({ minLength: 1, maxLength: 200 }) });

const WorkloadCreate = Type.Object(
  {
    id: Type.Optional(Type.String()),
    name: Type.String(),
  },
  { additionalProperties: false },
);

const WorkloadPatch = Type.Object({ name: Type.String() }, { additionalProperties: false });

export function inventoryRoutes(deps: InventoryApiDeps) {
  return async (base: FastifyInstance): Promise<void> => {
    const app = base.withTypeProvider<TypeBoxTypeProvider>();

    app.get('/api/containers', { schema: { querystring: ContainerQuery } }, async (request) => {
      const { state, workload, name } = request.query;
      const items = await deps.containers.list({ state, workload_id: workload, name });
      return { items: items.map(containerJson), next: null };
    });

    app.get('/api/containers/:id', { schema: { params: IdParam } }, async (request) => {
      const container = await deps.containers.find(request.params.id);
      if (!container) throw AppError.notFound('container', request.params.id);
      return containerJson(container);
    });

    app.get('/api/workloads', async () => ({
      items: (await deps.workloads.list()).map(workloadJson),
      next: null,
    }));

    app.get('/api/workloads/:id', { schema: { params: IdParam } }, async (request) =>
      workloadJson(await deps.workloads.get(request.params.id)),
    );

    app.post('/api/workloads', { schema: { body: WorkloadCreate } }, async (request, reply) => {
      const workload = await deps.workloads.create(request.body);
      return reply.status(201).send(workloadJson(workload));
    });

    app.patch(
      '/api/workloads/:id',
      { schema: { params: IdParam, body: WorkloadPatch } },
      async (request) =>
        workloadJson(await deps.workloads.rename(request.params.id, request.body.name)),
    );

    app.delete('/api/workloads/:id', { schema: { params: IdParam } }, async (request, reply) => {
      await deps.workloads.delete(request.params.id);
      return reply.status(204).send();
    });
  };
}
