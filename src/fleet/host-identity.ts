import { createHash, randomUUID } from 'node:crypto';
import { AppError, ErrorCode } from '../errors.js';
import { isHostId } from '../nats/index.js';

/** Where the identity is kept (AgentStateRepository fits). */
export interface AgentStateStore {
  get(key: string): Promise<string | null>;
  set(key: string, value: string): Promise<void>;
}

/** The engine as /info names it. */
export interface EngineIdentity {
  ID: string;
  Name: string;
}

export interface HostIdentity {
  hostId: string;
  /** Random, made once per store: outbox ids of a wiped store never repeat a message id. */
  storeEpoch: string;
  engineId: string;
}

const HOST_KEY = 'host_id';
const ENGINE_KEY = 'engine_id';
const EPOCH_KEY = 'store_epoch';
/** The key an operator sets to name a host (helper A wires it as a config key). */
const HOST_ID_FIELD = 'agent.host_id';

/** `<slug(Name)>-<first 8 hex of sha256(ID)>`: readable, and apart for same-named engines. */
export function deriveHostId(engine: EngineIdentity): string {
  const hash = createHash('sha256').update(engine.ID).digest('hex').slice(0, 8);
  // 64 characters at most, the hash and its dash included.
  // A subject token: no dots (a hostname's), no wildcards.
  const name =
    engine.Name.toLowerCase()
      .replace(/[^a-z0-9_-]+/g, '-')
      .replace(/^[^a-z0-9]+/, '')
      .slice(0, 55)
      .replace(/-+$/, '') || 'host';
  return `${name}-${hash}`;
}

/**
 * The host id this agent publishes under: the explicit one, else the one derived once
 * from the engine and kept. A kept engine id that is not this engine's means the data
 * directory was copied with its machine (a cloned VM): publishing under the original's
 * id would mix two hosts, so that refuses until an explicit id is given.
 */
export async function resolveHostIdentity(
  state: AgentStateStore,
  engine: EngineIdentity,
  explicitHostId: string | null,
): Promise<HostIdentity> {
  if (explicitHostId !== null && !isHostId(explicitHostId))
    throw AppError.validation(
      HOST_ID_FIELD,
      'lowercase letters, digits, - and _, starting with a letter or digit, at most 64',
    );
  const storedEngine = await state.get(ENGINE_KEY);
  const storedHost = await state.get(HOST_KEY);
  let hostId: string;
  if (explicitHostId !== null) hostId = explicitHostId;
  else if (storedEngine !== null && storedEngine !== engine.ID)
    throw new AppError(
      ErrorCode.ConfigInvalid,
      `${HOST_ID_FIELD}: this data directory belongs to Docker engine ${storedEngine} (host ${storedHost ?? '?'}), not to ${engine.ID}; a copied machine needs its own --host-id`,
      { field: HOST_ID_FIELD, details: { stored_engine: storedEngine, engine: engine.ID } },
    );
  else hostId = storedHost ?? deriveHostId(engine);
  if (storedEngine !== engine.ID) await state.set(ENGINE_KEY, engine.ID);
  if (storedHost !== hostId) await state.set(HOST_KEY, hostId);
  let storeEpoch = await state.get(EPOCH_KEY);
  if (storeEpoch === null) {
    storeEpoch = randomUUID().replaceAll('-', '').slice(0, 16);
    await state.set(EPOCH_KEY, storeEpoch);
  }
  return { hostId, storeEpoch, engineId: engine.ID };
}
