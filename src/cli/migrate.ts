import { migrateToLatest, openStore } from '../store/index.js';
import { configForCommand } from './config-loader.js';

export async function migrate(options: { config?: string }): Promise<void> {
  const { config, secrets } = configForCommand(options.config);
  const store = openStore({ url: secrets.databaseUrl, dataDir: config.dataDir });
  try {
    const { applied } = await migrateToLatest(store);
    console.log(
      applied.length === 0
        ? `${store.location}: already up to date`
        : `${store.location}: applied ${applied.join(', ')}`,
    );
  } finally {
    await store.destroy();
  }
}
