export * from './model.js';
export { redact, REDACTED } from './redact.js';
export { JournalFiles, dayOf } from './day-files.js';
export { OperationJournal, type OperationJournalOptions } from './journal.js';
export { JournalRetention } from './retention.js';
export { readJsonlLines, type JsonlLine } from './jsonl-reader.js';
export { createAudit, type Audit, type AuditDeps } from './audit-module.js';
export { journalObject } from './object-id.js';
