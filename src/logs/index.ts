export { MAX_RECORD_LINES, MultilineGrouper, groupRecords } from './multiline.js';
