export {
  loadConfig,
  frozenApart,
  invalidConfig,
  readConfigFile,
  resolveKeys,
  type Config,
  type ConfigProblem,
  type Secrets,
  type ConfigSources,
} from './load.js';
export { KEYS, parse, type ConfigValues, type KeySpec } from './schema.js';
export { shownSettings, SHOWN_SETTINGS, type ShownSetting } from './shown-settings.js';
export { secretValues } from './secret-values.js';
