import { AppError, ErrorCode } from '../../errors.js';
import type { ContainerRecord } from '../../inventory/index.js';

/** Finds a container by full id, unique id prefix or name (inventory's `containers.find`). */
export interface ContainerFinder {
  /** With the agent's host for a container of another host (scale-out). */
  find(ref: string): Promise<(ContainerRecord & { host_id?: string | null }) | null>;
}

const FULL_ID = /^[0-9a-f]{64}$/;

/** The container a path or query parameter names, or NOT_FOUND saying what was looked for. */
export async function containerByRef(
  containers: ContainerFinder,
  ref: string,
): Promise<ContainerRecord & { host_id?: string | null }> {
  const container = await containers.find(ref);
  if (container) return container;
  throw new AppError(
    ErrorCode.NotFound,
    `container ${ref} not found: no container has that id, id prefix or name`,
    { details: { what: 'container', id: ref } },
  );
}

/** The container a log route names, or DOCKER_LOGS_UNAVAILABLE when its log driver cannot be read. */
export async function readableContainer(
  containers: ContainerFinder,
  ref: string,
): Promise<ContainerRecord & { host_id?: string | null }> {
  const container = await containerByRef(containers, ref);
  if (container.logs_available) return container;
  throw new AppError(
    ErrorCode.DockerLogsUnavailable,
    `the log driver of container ${container.name} cannot be read`,
    { details: { container: container.id } },
  );
}

/**
 * A filter's container id. A full id is taken as given: events outlive the index's rows
 * (and a fleet server's events name containers of other hosts), so filtering by it needs
 * no lookup; a prefix or a name must name a container the index knows.
 */
export async function containerIdFilter(
  containers: ContainerFinder,
  ref: string | undefined,
): Promise<string | undefined> {
  if (ref === undefined || FULL_ID.test(ref)) return ref;
  return (await containerByRef(containers, ref)).id;
}
