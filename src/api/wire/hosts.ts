import { Type, type Static } from '@sinclair/typebox';
import { IsoTime, Nullable, Page } from './shapes.js';

export const Host = Type.Object({
  id: Type.String({
    description: "The host's id: the agent's `--host-id`, or derived from Docker's.",
  }),
  name: Type.String({ description: "Docker's name for the host, as its agent reports it." }),
  agent_version: Nullable(Type.String()),
  rule_revision: Nullable(
    Type.Integer({ description: 'The rule set revision the agent runs; null: none yet.' }),
  ),
  rules_current: Type.Boolean({
    description:
      "Whether the agent runs the server's current rule set revision; false: an older one (it missed a change while cut off) or none yet.",
  }),
  connected: Type.Boolean({
    description: 'Whether its agent reported within fleet.host_silent_after_seconds.',
  }),
  last_seen_at: IsoTime('When its agent last reported.'),
  docker_version: Nullable(Type.String()),
  docker_reachable: Type.Boolean({
    description: 'Whether its agent reached Docker, last it said.',
  }),
  containers: Type.Integer({ minimum: 0, description: 'Containers its agent reported.' }),
});
export type Host = Static<typeof Host>;

export const HostsApi = {
  hosts: {
    tags: ['hosts'],
    summary: 'The Docker hosts agents report on (multi-host mode; empty otherwise)',
    response: { 200: Page(Host) },
  },
};
