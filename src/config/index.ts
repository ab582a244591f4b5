export { loadConfig, type Config, type Secrets, type ConfigSources } from './load.js';
export { KEYS, type ConfigValues } from './schema.js';
export { shownSettings, SHOWN_SETTINGS, type ShownSetting } from './shown-settings.js';
export { secretValues } from './secret-values.js';
