import type { Config } from './load.js';
import { KEYS } from './schema.js';

/** Settings the web UI shows read-only (with where to change them); never a secret. */
export const SHOWN_SETTINGS = [
  'eventsRetentionDays',
  'eventsRetentionRows',
  'scannerRatePerSecond',
  'scannerBurst',
  'inventoryResyncSeconds',
  'uiGoneContainersHideAfterSeconds',
  'authViewersReadLogs',
] as const satisfies readonly (keyof Config)[];

export interface ShownSetting {
  key: string;
  env: string;
  value: unknown;
  doc: string;
}

export function shownSettings(config: Config): ShownSetting[] {
  return SHOWN_SETTINGS.map((name) => ({
    key: KEYS[name].key,
    env: KEYS[name].env,
    value: config[name],
    doc: KEYS[name].doc,
  }));
}
