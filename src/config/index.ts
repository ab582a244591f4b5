export { loadConfig, type Config, type Secrets, type ConfigSources } from './load.js';
export { KEYS, type ConfigValues } from './schema.js';
