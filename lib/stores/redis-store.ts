import { randomUUID } from 'node:crypto';
import { describeValue } from '../describe-value.js';
import type { ClaimResult, DedupeStore } from './dedupe-store.js';

// Neither client is imported (both are optional peers): the store tells them apart by shape.

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
  /** The key is `<prefix><dedupeKey>`. Default `idwise:dedupe:`. No `{` or `}`: one Cluster slot would hold all. */
  prefix?: string;
}

// In flight, the key holds the claim's token and expires with the lease; then DONE, for the retention.
const DONE = 'done';

// Lua rather than `SET NX GET`, which needs Redis 7: complete and release need Lua's compare-and-set
// anyway, so EVAL is the one requirement, met by Redis 6, Valkey and ElastiCache alike.
const CLAIM = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 'claimed' end
if redis.call('GET', KEYS[1]) == '${DONE}' then return 'done' end
return 'in_flight'`;

// Only the token's owner may act; one script, so the key cannot change hands between check and write.
const COMPLETE = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], '${DONE}', 'PX', ARGV[2])
return 1`;

const RELEASE = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
return redis.call('DEL', KEYS[1])`;

const EXAMPLE = "new RedisDedupeStore({ client: new Redis(process.env.REDIS_URL), prefix: 'idwise:dedupe:' })";

/**
 * Dedupe state in Redis, shared by every instance of an app. Each operation is one EVAL on one key,
 * so Redis Cluster routes it by the key's slot. The short script is sent every time, so a node
 * that never saw it (after a restart or failover) needs nothing loaded first.
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
