import type { FastifyInstance } from 'fastify';
import { isConnected, type Host } from '../../fleet/host-repository.js';
import { HostsApi, type Host as HostJson } from '../wire/hosts.js';
import { isoTime } from './wire-time.js';

export interface HostsApiDeps {
  hosts: { list(): Promise<Host[]> };
  /** The rule set revision agents should run (the one last committed). */
  rules: { revision(): Promise<number> };
  /** A host whose agent has not reported for this long is not connected. */
  silentAfterMs: number;
  now?: () => number;
}

export function hostJson(host: Host, connected: boolean, ruleRevision: number): HostJson {
  return {
    id: host.id,
    name: host.name,
    agent_version: host.agent_version,
    rule_revision: host.rule_revision,
    rules_current: host.rule_revision !== null && host.rule_revision >= ruleRevision,
    connected,
    last_seen_at: isoTime(host.last_seen_at),
    docker_version: host.docker_version,
    docker_reachable: host.docker_reachable,
    containers: host.containers,
  };
}

export function hostsRoutes(deps: HostsApiDeps) {
  const now = deps.now ?? Date.now;
  return async (app: FastifyInstance): Promise<void> => {
    // Said, not defaulted: the hosts are as readable as the container index.
    const config = { access: 'viewer' as const };
    app.get('/api/hosts', { schema: HostsApi.hosts, config }, async () => {
      const at = now();
      const [hosts, revision] = await Promise.all([deps.hosts.list(), deps.rules.revision()]);
      return {
        items: hosts.map((h) => hostJson(h, isConnected(h, deps.silentAfterMs, at), revision)),
        next: null,
      };
    });
  };
}
