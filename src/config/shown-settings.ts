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

type ShownName = (typeof SHOWN_SETTINGS)[number];

/** `effective`: values decided past the configuration (an unset key's install default). */
export function shownSettings(
  config: Config,
  effective: Partial<Record<ShownName, unknown>> = {},
): ShownSetting[] {
  return SHOWN_SETTINGS.map((name) => ({
    key: KEYS[name].key,
    env: KEYS[name].env,
    value: name in effective ? effective[name] : config[name],
    doc: KEYS[name].doc,
  }));
}
