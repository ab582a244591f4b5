import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { ContainerFilter, ContainerRecord, Workload } from '../../inventory/index.js';
import { InventoryApi, type Container, type Workload as WorkloadJson } from '../wire/inventory.js';
import { containerByRef } from './container-ref.js';
import { parseHosts } from './events.js';
import { isoTime, isoTimeOrNull } from './wire-time.js';
import { journalObject } from '../../audit/index.js';
import { journaled, noteChange } from '../journal-hook.js';

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

/** A record of the index; one without a host (a live change of the own engine's) is local. */
export function containerJson(c: ContainerRecord & { host_id?: string | null }): Container {
  return {
    id: c.id,
    name: c.name,
    image: c.image,
    workload_id: c.workload_id,
    compose_service: c.compose_service,
    labels: c.labels,
    state: c.state,
    exit_code: c.exit_code,
    health: c.health,
    restart_count: c.restart_count,
    started_at: isoTimeOrNull(c.started_at),
    finished_at: isoTimeOrNull(c.finished_at),
    last_seen_at: isoTime(c.last_seen_at),
    logs_available: c.logs_available,
    tty: c.tty,
    host_id: c.host_id ?? null,
  };
}

export function workloadJson(w: Workload): WorkloadJson {
  return { id: w.id, name: w.name, kind: w.kind, created_at: isoTime(w.created_at) };
}

export function inventoryRoutes(deps: InventoryApiDeps) {
  return async (base: FastifyInstance): Promise<void> => {
    const app = base.withTypeProvider<TypeBoxTypeProvider>();

    app.get('/api/containers', { schema: InventoryApi.containers }, async (request) => {
      const { state, workload, name, host } = request.query;
      const items = await deps.containers.list({
        state,
        workload_id: workload,
        name,
        hosts: parseHosts(host),
      });
      return { items: items.map(containerJson), next: null };
    });

    app.get('/api/containers/:id', { schema: InventoryApi.container }, async (request) =>
      containerJson(await containerByRef(deps.containers, request.params.id)),
    );

    app.get('/api/workloads', { schema: InventoryApi.workloads }, async () => ({
      items: (await deps.workloads.list()).map(workloadJson),
      next: null,
    }));

    app.get('/api/workloads/:id', { schema: InventoryApi.workload }, async (request) =>
      workloadJson(await deps.workloads.get(request.params.id)),
    );

    app.post(
      '/api/workloads',
      { ...journaled('workload.create'), schema: InventoryApi.createWorkload },
      async (request, reply) => {
        const workload = await deps.workloads.create(request.body);
        noteChange(request, {
          object: journalObject.workload(workload.id),
          after: workloadJson(workload),
        });
        return reply.status(201).send(workloadJson(workload));
      },
    );

    app.patch(
      '/api/workloads/:id',
      { ...journaled('workload.update'), schema: InventoryApi.renameWorkload },
      async (request) => {
        noteChange(request, { object: journalObject.workload(request.params.id) });
        const after = workloadJson(
          await deps.workloads.rename(request.params.id, request.body.name),
        );
        noteChange(request, { after });
        return after;
      },
    );

    app.delete(
      '/api/workloads/:id',
      { ...journaled('workload.delete'), schema: InventoryApi.deleteWorkload },
      async (request, reply) => {
        noteChange(request, { object: journalObject.workload(request.params.id) });
        await deps.workloads.delete(request.params.id);
        return reply.status(204).send();
      },
    );
  };
}
