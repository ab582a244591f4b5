import { AppError, ErrorCode } from '../errors.js';
import { COMPOSE_PROJECT_LABEL, WORKLOAD_LABEL, type Workload } from './model.js';
import type { WorkloadRepository } from './workload-repository.js';

/** Ids are what operators write in the `logwarden.workload` label. */
const ID_PATTERN = /^[a-z0-9][a-z0-9_.-]{0,62}$/;
const MAX_NAME_LENGTH = 200;

function validName(name: unknown): string {
  if (typeof name !== 'string' || name.trim() === '')
    throw AppError.validation('name', 'must be a non-empty string');
  if (name.length > MAX_NAME_LENGTH)
    throw AppError.validation('name', `must be at most ${MAX_NAME_LENGTH} characters`);
  return name.trim();
}

/** A label-safe id from a display name: "My App" → "my-app". */
export function slugify(name: string): string {
  return (
    name
      .toLowerCase()
      .replace(/[^a-z0-9_.-]+/g, '-')
      .replace(/^[^a-z0-9]+/, '')
      .replace(/-+$/, '')
      .slice(0, 63) || 'workload'
  );
}

/** Workload management: validation and the rules for ids. */
export class Workloads {
  private readonly changeListeners = new Set<() => void>();

  constructor(
    private readonly repo: WorkloadRepository,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Called after every committed create, rename and delete (the rule set publisher:
   * agents resolve workload labels from it); returns the unsubscribe function.
   */
  onChange(listener: () => void): () => void {
    this.changeListeners.add(listener);
    return () => {
      this.changeListeners.delete(listener);
    };
  }

  /** The change is committed: a listener's failure is not the caller's. */
  private changed(): void {
    for (const listener of this.changeListeners) {
      try {
        listener();
      } catch {
        // The publisher logs its own failures.
      }
    }
  }

  list(): Promise<Workload[]> {
    return this.repo.list();
  }

  async get(id: string): Promise<Workload> {
    const workload = await this.repo.get(id);
    if (!workload) throw AppError.notFound('workload', id);
    return workload;
  }

  async create(input: { id?: unknown; name?: unknown }): Promise<Workload> {
    const name = validName(input.name);
    let id: string;
    if (input.id === undefined || input.id === null || input.id === '') id = slugify(name);
    else if (typeof input.id !== 'string' || !ID_PATTERN.test(input.id))
      throw AppError.validation(
        'id',
        'must be 1-63 characters of a-z, 0-9, "_", "." or "-", starting with a letter or digit',
      );
    else id = input.id;
    const workload: Workload = { id, name, kind: 'custom', created_at: this.now() };
    if (!(await this.repo.insert(workload)))
      throw new AppError(ErrorCode.Conflict, `workload ${id} already exists`, { field: 'id' });
    this.changed();
    return workload;
  }

  async rename(id: string, name: unknown): Promise<Workload> {
    const valid = validName(name);
    if (!(await this.repo.rename(id, valid))) throw AppError.notFound('workload', id);
    this.changed();
    return this.get(id);
  }

  async delete(id: string): Promise<void> {
    if (!(await this.repo.delete(id))) throw AppError.notFound('workload', id);
    this.changed();
  }
}

export interface WorkloadMatch {
  workload_id: string | null;
  /** Set when the label named a workload that is not registered (ignored, logged). */
  unknown_label: string | null;
}

/**
 * Decides a container's workload from its labels, against the workloads loaded once for
 * the pass. A `logwarden.workload` label counts only for a registered workload: anyone
 * who can reach the socket can set labels.
 */
export class WorkloadResolver {
  constructor(
    private readonly workloads: Map<string, Workload>,
    private readonly repo: WorkloadRepository,
    private readonly composeDiscovery: boolean,
    private readonly now: () => number = Date.now,
  ) {}

  static async load(
    repo: WorkloadRepository,
    composeDiscovery: boolean,
    now: () => number = Date.now,
  ): Promise<WorkloadResolver> {
    const list = await repo.list();
    return new WorkloadResolver(new Map(list.map((w) => [w.id, w])), repo, composeDiscovery, now);
  }

  async resolve(labels: Record<string, string>): Promise<WorkloadMatch> {
    const labelled = labels[WORKLOAD_LABEL];
    if (labelled && this.workloads.has(labelled))
      return { workload_id: labelled, unknown_label: null };
    const unknown = labelled ?? null;
    const project = labels[COMPOSE_PROJECT_LABEL];
    if (!project) return { workload_id: null, unknown_label: unknown };
    const id = slugify(project);
    if (this.workloads.has(id)) return { workload_id: id, unknown_label: unknown };
    if (!this.composeDiscovery) return { workload_id: null, unknown_label: unknown };
    const workload: Workload = { id, name: project, kind: 'compose', created_at: this.now() };
    await this.repo.insert(workload);
    this.workloads.set(id, (await this.repo.get(id)) ?? workload);
    return { workload_id: id, unknown_label: unknown };
  }
}
