/** The wire contract: what every route takes and answers, for the server, OpenAPI and the UI. */
export * from './shapes.js';
export * from './errors.js';
export * from './events.js';
export * from './inventory.js';
export * from './rules.js';
export * from './auth.js';
export * from './triggers.js';
export * from './audit.js';
export * from './system.js';
export * from './stream.js';
export * from './web-ui.js';
export * from './logs.js';
export * from './incidents.js';
export * from './silences.js';
export * from './hosts.js';
