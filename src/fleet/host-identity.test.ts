import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../errors.js';
import { isHostId } from '../nats/index.js';
import { migrateToLatest, openStore, type Store } from '../store/index.js';
import { AgentStateRepository } from './agent-state.js';
import { deriveHostId, resolveHostIdentity } from './host-identity.js';

let store: Store;
let state: AgentStateRepository;

beforeEach(async () => {
  store = openStore({ url: 'sqlite::memory:', dataDir: '.' });
  await migrateToLatest(store);
  state = new AgentStateRepository(store.db);
});
afterEach(() => store.destroy());

const engine = { ID: 'ABCD:EFGH:1234', Name: 'Web.Example.org' };
const clone = { ID: 'WXYZ:0000:9999', Name: 'Web.Example.org' };

describe('deriveHostId', () => {
  it('is the slug of the engine name and 8 hex of the sha256 of its id', () => {
    // sha256('ABCD:EFGH:1234') starts with ff107a36.
    expect(deriveHostId(engine)).toBe('web-example-org-ff107a36');
    expect(deriveHostId(clone)).not.toBe(deriveHostId(engine));
  });

  it('always makes a valid subject token, whatever the name', () => {
    for (const Name of ['', '...', '*>', 'A'.repeat(200), '-x-', 'ünïcode host'])
      expect(isHostId(deriveHostId({ ID: 'id', Name }))).toBe(true);
  });
});

describe('resolveHostIdentity', () => {
  it('derives the id once and keeps it, with one store epoch', async () => {
    const first = await resolveHostIdentity(state, engine, null);
    expect(first.hostId).toBe(deriveHostId(engine));
    // The engine renamed: the kept id stays (messages already sent name it).
    const again = await resolveHostIdentity(state, { ...engine, Name: 'renamed' }, null);
    expect(again).toEqual(first);
    expect(first.storeEpoch).toMatch(/^[0-9a-f]{16}$/);
  });

  it('refuses a data directory that came from another engine, naming the key', async () => {
    await resolveHostIdentity(state, engine, null);
    await expect(resolveHostIdentity(state, clone, null)).rejects.toMatchObject({
      code: ErrorCode.ConfigInvalid,
      field: 'agent.host_id',
    });
  });

  it('takes an explicit id on a cloned data directory and keeps the new engine', async () => {
    const original = await resolveHostIdentity(state, engine, null);
    const cloned = await resolveHostIdentity(state, clone, 'web-2');
    expect(cloned.hostId).toBe('web-2');
    expect(cloned.engineId).toBe(clone.ID);
    // The store epoch came with the copied store: outbox ids keep counting in it.
    expect(cloned.storeEpoch).toBe(original.storeEpoch);
    // From now on the clone starts without the option.
    expect((await resolveHostIdentity(state, clone, null)).hostId).toBe('web-2');
  });

  it('refuses an explicit id that is not a subject token', async () => {
    await expect(resolveHostIdentity(state, engine, 'Web.1')).rejects.toMatchObject({
      code: ErrorCode.ValidationFailed,
      field: 'agent.host_id',
    });
  });
});
