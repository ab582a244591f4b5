// Node-free exports only: the web UI imports this domain's models and heuristics. The
// search (Node, RE2) is imported from search.ts, search-query.ts and logs-module.ts.
export { MAX_RECORD_LINES, MultilineGrouper, groupRecords } from './multiline.js';
export { detectLevel, LOG_LEVELS, parseLevels, type LogLevel } from './log-level.js';
