import type { Container, Workload } from '../../api/types';

export interface ContainerGroup {
  key: string;
  workload: Workload | null;
  containers: Container[];
}

const STATE_ORDER = [
  'restarting',
  'running',
  'paused',
  'created',
  'removing',
  'stopped',
  'missing',
];

/** Containers by workload (named workloads first, then those without one), busiest states first. */
export function groupByWorkload(
  containers: readonly Container[],
  workloads: readonly Workload[],
): ContainerGroup[] {
  const byId = new Map(workloads.map((w) => [w.id, w]));
  const groups = new Map<string, ContainerGroup>();
  for (const c of containers) {
    const workload = c.workload_id ? (byId.get(c.workload_id) ?? null) : null;
    const key = workload ? `w:${workload.id}` : 'none';
    let group = groups.get(key);
    if (!group) {
      group = { key, workload, containers: [] };
      groups.set(key, group);
    }
    group.containers.push(c);
  }
  for (const group of groups.values()) {
    group.containers.sort(
      (a, b) =>
        STATE_ORDER.indexOf(a.state) - STATE_ORDER.indexOf(b.state) || a.name.localeCompare(b.name),
    );
  }
  // Groups with live containers by name, then those without a workload, then the
  // groups whose containers are all gone.
  const rank = (g: ContainerGroup) =>
    g.containers.every((c) => c.state === 'missing') && g.workload ? 2 : g.workload ? 0 : 1;
  return [...groups.values()].sort(
    (a, b) => rank(a) - rank(b) || (a.workload?.name ?? '').localeCompare(b.workload?.name ?? ''),
  );
}
