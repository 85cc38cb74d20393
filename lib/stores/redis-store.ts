import { randomUUID } from 'node:crypto';
import { describeValue } from '../describe-value.js';
import type { ClaimResult, DedupeStore } from './dedupe-store.js';

// Neither client is imported: both are optional peer dependencies, so the store only describes the
// one method it calls and tells the two clients apart by shape at construction.

/** The part of an ioredis client (`new Redis()` or `new Cluster()`) this store uses. */
export interface IoRedisLikeClient {
  defineCommand: unknown;
  eval(script: string, numKeys: number, ...keysAndArgs: string[]): Promise<unknown>;
}

/** The part of a node-redis v4+ client (`createClient()` or `createCluster()`) this store uses. */
export interface NodeRedisLikeClient {
  evalSha: unknown;
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
}

export interface RedisDedupeStoreOptions {
  /** An ioredis client, or a node-redis client that is already connected (`await client.connect()`). */
  client: IoRedisLikeClient | NodeRedisLikeClient;
  /**
   * Put before every dedupe key: the key is `<prefix><dedupeKey>`. Default `idwise:dedupe:`. No
   * `{` or `}`: a hash tag would put every key in one Redis Cluster slot.
   */
  prefix?: string;
}

// Value layout: while in flight the key holds the claim's token (a UUID) and expires with the
// lease; once done it holds DONE and expires with the retention period.
const DONE = 'done';

// Claim is one EVAL: SET NX PX takes the key, and when it is taken already the same script reads
// whether the holder is still in flight or done. `SET key token NX PX ms GET` would answer that
// without Lua, but NX together with GET needs Redis 7.0, while complete and release need a
// compare-and-set that only Lua gives on every version anyway. So EVAL is the one requirement,
// and Redis 6, Valkey, ElastiCache and other compatible servers all work.
const CLAIM = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 'claimed' end
if redis.call('GET', KEYS[1]) == '${DONE}' then return 'done' end
return 'in_flight'`;

// Only the token's owner may act: a worker whose lease expired, and whose key was claimed again
// by another worker, must neither mark that newer attempt done nor delete it. GET and SET/DEL in
// one script close the gap in which the key could change hands between the check and the write.
const COMPLETE = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], '${DONE}', 'PX', ARGV[2])
return 1`;

const RELEASE = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
return redis.call('DEL', KEYS[1])`;

const EXAMPLE = "new RedisDedupeStore({ client: new Redis(process.env.REDIS_URL), prefix: 'idwise:dedupe:' })";

/**
 * Dedupe state in Redis, shared by every instance of an app.
 *
 * Each operation is one EVAL of a short script touching one key, so it works on Redis Cluster: the
 * key's own hash slot routes it. The script's text (about 150 bytes) is sent every time, so a
 * server or Cluster node that never saw it (a restart, a failover, a fresh node) needs nothing
 * loaded first.
 */
export class RedisDedupeStore implements DedupeStore {
  readonly #run: (script: string, key: string, args: string[]) => Promise<unknown>;
  readonly #prefix: string;

  constructor(options: RedisDedupeStoreOptions) {
    if (typeof options !== 'object' || options === null) {
      throw new TypeError(
        `RedisDedupeStore: expected an options object, got ${describeValue(options)}. Example: ${EXAMPLE}`,
      );
    }
    const { client, prefix = 'idwise:dedupe:' } = options;
    if (typeof prefix !== 'string') {
      throw new TypeError(
        `RedisDedupeStore: option "prefix" must be a string, got ${describeValue(prefix)}. Example: ${EXAMPLE}`,
      );
    }
    if (/[{}]/.test(prefix)) {
      throw new TypeError(
        `RedisDedupeStore: option "prefix" must not contain "{" or "}", got "${prefix}": a hash tag would put ` +
          `every dedupe key in one Redis Cluster slot. Example: ${EXAMPLE}`,
      );
    }
    this.#prefix = prefix;
    this.#run = runnerFor(client);
  }

  async claim(key: string, leaseMs: number): Promise<ClaimResult> {
    const token = randomUUID();
    const reply = String(await this.#run(CLAIM, this.#prefix + key, [token, milliseconds(leaseMs, 'leaseMs')]));
    if (reply === 'claimed') return { state: 'claimed', token };
    return reply === 'done' ? { state: 'done' } : { state: 'in_flight' };
  }

  async complete(key: string, token: string, retentionMs: number): Promise<void> {
    await this.#run(COMPLETE, this.#prefix + key, [token, milliseconds(retentionMs, 'retentionMs')]);
  }

  async release(key: string, token: string): Promise<void> {
    await this.#run(RELEASE, this.#prefix + key, [token]);
  }
}

function runnerFor(client: unknown): (script: string, key: string, args: string[]) => Promise<unknown> {
  const shape = client as Partial<Record<'eval' | 'evalSha' | 'defineCommand', unknown>> | null;
  if (typeof client === 'object' && client !== null && typeof shape?.eval === 'function') {
    // evalSha (camelCase) exists only on node-redis clients, defineCommand only on ioredis ones.
    if (typeof shape.evalSha === 'function') {
      const nodeRedis = client as NodeRedisLikeClient;
      return (script, key, args) => nodeRedis.eval(script, { keys: [key], arguments: args });
    }
    if (typeof shape.defineCommand === 'function') {
      const ioredis = client as IoRedisLikeClient;
      return (script, key, args) => ioredis.eval(script, 1, key, ...args);
    }
  }
  throw new TypeError(
    `RedisDedupeStore: option "client" must be an ioredis client or a node-redis client, got ${describeValue(client)}` +
      `${typeof client === 'object' && client !== null ? ' without the methods of either' : ''}. ` +
      `Example: ${EXAMPLE}, or with node-redis: const client = createClient({ url }); await client.connect(); ` +
      'new RedisDedupeStore({ client })',
  );
}

/** PX takes a positive whole number of milliseconds; round a fraction up rather than fail. */
function milliseconds(ms: number, name: string): string {
  if (!Number.isFinite(ms) || ms <= 0) {
    throw new RangeError(
      `RedisDedupeStore: ${name} must be a positive number of milliseconds, got ${describeValue(ms)}.`,
    );
  }
  return String(Math.ceil(ms));
}
