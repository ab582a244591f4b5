import { describe, expect, it } from 'vitest';
import { incidentKeyOf, type KeyedEvent } from './model.js';

const hit = (over: Partial<KeyedEvent> = {}): KeyedEvent => ({
  source: 'logscan',
  metadata: {},
  container_id: 'c1',
  rule_id: 7,
  ...over,
});
const docker = (kind: string, over: Partial<KeyedEvent> = {}): KeyedEvent => ({
  source: 'docker',
  metadata: { kind },
  container_id: 'c1',
  rule_id: null,
  ...over,
});

describe('incidentKeyOf', () => {
  it('keys a rule hit by rule and container, or by the group key a condition set', () => {
    expect(incidentKeyOf(hit())).toEqual({ key: 'rule:7:container:c1', resolves: false });
    expect(incidentKeyOf(hit({ metadata: { group_key: 'capture:ip=10.0.0.1' } }))).toEqual({
      key: 'rule:7:capture:ip=10.0.0.1',
      resolves: false,
    });
    expect(incidentKeyOf(hit({ metadata: { group_key: 'workload:shop' } }))?.key).toBe(
      'rule:7:workload:shop',
    );
  });

  it('puts crashes and the restart loop in one incident, and keys each other lifecycle kind', () => {
    expect(incidentKeyOf(docker('crash'))?.key).toBe('crash:c1');
    expect(incidentKeyOf(docker('restart_loop'))?.key).toBe('crash:c1');
    expect(incidentKeyOf(docker('oom'))?.key).toBe('oom:c1');
    expect(incidentKeyOf(docker('unhealthy'))?.key).toBe('unhealthy:c1');
    expect(incidentKeyOf(docker('missing'))?.key).toBe('missing:c1');
  });

  it('resolves: recovered clears unhealthy, and any event with metadata.resolves', () => {
    expect(incidentKeyOf(docker('recovered'))).toEqual({ key: 'unhealthy:c1', resolves: true });
    expect(incidentKeyOf(hit({ metadata: { resolves: true, group_key: 'container:c1' } }))).toEqual(
      { key: 'rule:7:container:c1', resolves: true },
    );
    // Only the boolean true: a string is not a resolution.
    expect(incidentKeyOf(hit({ metadata: { resolves: 'true' } }))?.resolves).toBe(false);
  });

  it('gives no key to system events, unknown kinds, and events without what the key needs', () => {
    expect(incidentKeyOf({ ...hit(), source: 'system' })).toBeNull();
    expect(incidentKeyOf(docker('rename'))).toBeNull();
    expect(incidentKeyOf(docker('crash', { container_id: null }))).toBeNull();
    expect(incidentKeyOf(hit({ rule_id: null }))).toBeNull();
    expect(incidentKeyOf(hit({ container_id: null }))).toBeNull();
  });
});
