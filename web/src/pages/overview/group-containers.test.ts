import { describe, expect, it } from 'vitest';
import type { Container, Workload } from '../../api/types';
import { groupByWorkload } from './group-containers';

const c = (name: string, workload_id: string | null, state: Container['state'] = 'running') =>
  ({ id: name, name, workload_id, state }) as Container;
const w = (id: string, name: string) => ({ id, name, kind: 'custom', created_at: '' }) as Workload;

describe('groupByWorkload', () => {
  it('groups by workload, named ones first by name, busiest states first within', () => {
    const groups = groupByWorkload(
      [c('z', null), c('b', 'shop', 'stopped'), c('a', 'shop'), c('m', 'blog'), c('x', 'ghost')],
      [w('shop', 'Shop'), w('blog', 'Blog')],
    );
    expect(groups.map((g) => g.workload?.name ?? null)).toEqual(['Blog', 'Shop', null]);
    expect(groups[1]!.containers.map((x) => x.name)).toEqual(['a', 'b']);
    // A container whose workload is not (or no longer) listed is shown without one.
    expect(groups[2]!.containers.map((x) => x.name)).toEqual(['x', 'z']);
  });

  it('puts workloads whose containers are all gone last', () => {
    const groups = groupByWorkload(
      [c('a', 'gone', 'missing'), c('b', 'zoo'), c('n', null)],
      [w('gone', 'Alpha'), w('zoo', 'Zoo')],
    );
    expect(groups.map((g) => g.workload?.name ?? null)).toEqual(['Zoo', null, 'Alpha']);
  });
});
