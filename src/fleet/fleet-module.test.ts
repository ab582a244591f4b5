import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { useTestStore } from '../../test/support/databases.js';
import { loadConfig } from '../config/index.js';
import { createEvents } from '../events/index.js';
import { ContainerRepository } from '../inventory/index.js';
import { natsSettings } from '../nats/index.js';
import { createFleet } from './fleet-module.js';
import { HostRepository } from './host-repository.js';

describe('a replica whose NATS never answers', () => {
  const store = useTestStore('sqlite');

  it('stops without waiting for the connection it is still trying to make', async () => {
    // Port 1: nothing listens; the first connect is retried for as long as it takes.
    const { config, secrets } = loadConfig({ env: { LOGWARDEN_NATS_URL: 'nats://127.0.0.1:1' } });
    const log = pino({ level: 'silent' });
    const { db } = store();
    const fleet = createFleet(
      {
        db,
        events: createEvents({ db, log }, config),
        containers: new ContainerRepository(db),
        hosts: new HostRepository(db),
        ruleChanges: [],
        log,
      },
      config,
      natsSettings(config, secrets)!,
      'replica-test',
    );
    fleet.start();
    await new Promise((r) => setTimeout(r, 200));
    expect(fleet.status().state).not.toBe('connected');
    // Before the fix the rule publisher's wait for the connection held stop() for ever.
    await fleet.stop();
    expect(fleet.status().state).toBe('closed');
  });
});
