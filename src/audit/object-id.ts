/**
 * The names of the objects operations act on, `<kind>:<id>`, the same whoever writes
 * the entry (an API route, a domain service, the CLI), so that one filter —
 * `GET /api/audit?object=user:3` — finds every operation on an object.
 */
export const journalObject = {
  user: (id: number) => `user:${id}`,
  token: (id: number) => `token:${id}`,
  rule: (id: number) => `rule:${id}`,
  workload: (id: string) => `workload:${id}`,
  trigger: (id: number) => `trigger:${id}`,
  delivery: (id: number) => `delivery:${id}`,
  silence: (id: number) => `silence:${id}`,
  ruleSnapshot: (version: number) => `snapshot:${version}`,
} as const;
