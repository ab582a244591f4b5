import { Type, type Static } from '@sinclair/typebox';
import { CONTAINER_STATES, WORKLOAD_KINDS } from '../../inventory/model.js';
import { errors } from './errors.js';
import { ContainerRef, Enum, FreeForm, IsoTime, NoContent, Nullable, Page } from './shapes.js';

export const ContainerState = Enum(CONTAINER_STATES);
export type ContainerState = Static<typeof ContainerState>;

export const Container = Type.Object({
  id: Type.String({ description: "Docker's full container id." }),
  name: Type.String(),
  image: Type.String(),
  workload_id: Nullable(Type.String()),
  compose_service: Nullable(Type.String()),
  labels: FreeForm(Type.String()),
  state: ContainerState,
  exit_code: Nullable(Type.Integer()),
  health: Nullable(Type.String()),
  restart_count: Type.Integer(),
  started_at: Nullable(IsoTime()),
  finished_at: Nullable(IsoTime()),
  last_seen_at: IsoTime(),
  logs_available: Type.Boolean({
    description: 'False once Docker refused to serve its logs (501).',
  }),
  tty: Type.Boolean(),
  host_id: Nullable(
    Type.String({
      description:
        "The agent's host the container runs on (scale-out); null: the serving process's own engine.",
    }),
  ),
});
export type Container = Static<typeof Container>;

export const Workload = Type.Object({
  id: Type.String(),
  name: Type.String(),
  kind: Enum(WORKLOAD_KINDS),
  created_at: IsoTime(),
});
export type Workload = Static<typeof Workload>;

export const ContainerQuery = Type.Object(
  {
    state: Type.Optional(ContainerState),
    workload: Type.Optional(Type.String({ minLength: 1, maxLength: 63 })),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    host: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 2000,
        description:
          'Containers of this host (an agent\'s host id; `local`: the serving process\'s own engine); several comma-separated (any of them).',
      }),
    ),
  },
  { additionalProperties: false },
);

export const NameParam = Type.Object({ id: Type.String({ minLength: 1, maxLength: 200 }) });
export const ContainerParam = Type.Object({ id: ContainerRef() });

export const WorkloadCreate = Type.Object(
  { id: Type.Optional(Type.String()), name: Type.String() },
  { additionalProperties: false },
);

export const WorkloadPatch = Type.Object({ name: Type.String() }, { additionalProperties: false });

const containers = ['containers'];
const workloads = ['workloads'];

export const InventoryApi = {
  containers: {
    tags: containers,
    summary: 'Containers of the index',
    querystring: ContainerQuery,
    response: { 200: Page(Container) },
  },
  container: {
    tags: containers,
    summary: 'One container, by id, id prefix or name',
    params: ContainerParam,
    response: { 200: Container, ...errors(400, 404) },
  },
  workloads: { tags: workloads, summary: 'Workloads', response: { 200: Page(Workload) } },
  workload: {
    tags: workloads,
    summary: 'One workload',
    params: NameParam,
    response: { 200: Workload, ...errors(404) },
  },
  createWorkload: {
    tags: workloads,
    summary: 'Register a workload',
    body: WorkloadCreate,
    response: { 201: Workload, ...errors(400, 409) },
  },
  renameWorkload: {
    tags: workloads,
    summary: 'Rename a workload',
    params: NameParam,
    body: WorkloadPatch,
    response: { 200: Workload, ...errors(400, 404) },
  },
  deleteWorkload: {
    tags: workloads,
    summary: 'Delete a workload',
    params: NameParam,
    response: { 204: NoContent, ...errors(404, 409) },
  },
};
