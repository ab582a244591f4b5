export { MAX_RECORD_LINES, MultilineGrouper, groupRecords } from './multiline.js';
export { detectLevel, LOG_LEVELS, parseLevels, type LogLevel } from './log-level.js';
