// Node-free exports only: the web UI imports this domain's models and heuristics (from
// their modules). The search (Node, RE2) is imported from search.ts, search-query.ts and
// logs-module.ts.
export { detectLevel, type LogLevel } from './log-level.js';
