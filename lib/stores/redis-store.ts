import { createHash, randomUUID } from 'node:crypto';
import * as timers from 'node:timers';
import { describeValue } from '../describe-value.js';
import type { ClaimResult, DedupeStore } from './dedupe-store.js';

// Neither client is imported: both are optional peer dependencies, so the store only describes the
// few methods it calls and tells the two clients apart by shape at construction.

/** The part of an ioredis client (`new Redis()` or `new Cluster()`) this store uses. */
export interface IoRedisLikeClient {
  defineCommand: unknown;
  eval(script: string, numKeys: number, ...keysAndArgs: string[]): Promise<unknown>;
  /** Used when present (every ioredis client has it); without it each call sends the script's text. */
  evalsha?(sha1: string, numKeys: number, ...keysAndArgs: string[]): Promise<unknown>;
}

/** The part of a node-redis v4+ client (`createClient()` or `createCluster()`) this store uses. */
export interface NodeRedisLikeClient {
  evalSha(sha1: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
}

export interface RedisDedupeStoreOptions {
  /** An ioredis client, or a node-redis client that is already connected (`await client.connect()`). */
  client: IoRedisLikeClient | NodeRedisLikeClient;
  /** Put before every dedupe key. Default `idwise:dedupe:`. */
  prefix?: string;
  /**
   * ioredis on a single Redis server: the commands sent in one turn of the event loop leave in
   * one socket write. The client's socket is corked from this store's first command in a turn
   * until the turn ends (`setImmediate`), so concurrent deliveries share the kernel's cost of a
   * write; your own commands on that client in the same turn go with them. Each delivery still
   * makes one round trip to claim and one to complete. Default `true`. A Cluster client, a
   * node-redis client (which writes a turn's commands together itself) and a process whose
   * global `setImmediate` is not Node's own (a test's fake timers, a wrapper) send each command at
   * once, as with `false`. The cork is the socket's: with several stores on one client, each needs
   * `false` for that client's commands never to wait.
   */
  batchWrites?: boolean;
}

// Value layout: while in flight the key holds the claim's token (a UUID) and expires with the
// lease; once done it holds DONE and expires with the retention period.
const DONE = 'done';

interface Script {
  readonly text: string;
  /** What EVALSHA names it by: the SHA-1 of its text, as Redis computes it. */
  readonly sha1: string;
}

function script(text: string): Script {
  return { text, sha1: createHash('sha1').update(text).digest('hex') };
}

// Claim is one EVAL: SET NX PX takes the key, and when it is taken already the same script reads
// whether the holder is still in flight or done. `SET key token NX PX ms GET` would answer that
// without Lua, but NX together with GET needs Redis 7.0, while complete and release need a
// compare-and-set that only Lua gives on every version anyway. So EVAL is the one requirement,
// and Redis 6, Valkey, ElastiCache and other compatible servers all work.
const CLAIM = script(`
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 'claimed' end
if redis.call('GET', KEYS[1]) == '${DONE}' then return 'done' end
return 'in-flight'`);

// Only the token's owner may act: a worker whose lease expired, and whose key was claimed again
// by another worker, must neither mark that newer attempt done nor delete it. GET and SET/DEL in
// one script close the gap in which the key could change hands between the check and the write.
const COMPLETE = script(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], '${DONE}', 'PX', ARGV[2])
return 1`);

const RELEASE = script(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
return redis.call('DEL', KEYS[1])`);

const EXAMPLE = "new RedisDedupeStore({ client: new Redis(process.env.REDIS_URL), prefix: 'idwise:dedupe:' })";

/**
 * Dedupe state in Redis, shared by every instance of an app.
 *
 * Round trips per delivery: claim 1 + complete 1 = 2 (claim + release = 2 when a listener fails;
 * a duplicate costs 1). Every operation is one EVAL touching one key, so it works on Redis Cluster:
 * the key's own hash slot routes it.
 *
 * Each script is sent by its text (EVAL) the first time this store runs it, which also caches it
 * on the server, and by its SHA-1 (EVALSHA) from then on: 40 bytes instead of about 150. That took
 * a claim and completion from 27-30 to 25-29 µs of this process's CPU (ioredis, 16 at a time).
 * A server that lost the script (a restart, a failover, SCRIPT FLUSH, another Cluster node, or
 * Redis 8 evicting it) answers NOSCRIPT without running anything, and that one call is sent by its
 * text again. A user whose ACL allows EVAL but not EVALSHA gets NOPERM for it, also before
 * anything runs: that call and all later ones are sent by text.
 *
 * With ioredis on a single server, the commands of one event-loop turn leave in one socket write
 * (`batchWrites`, see `turnBatcher`); the round trips per delivery stay as above.
 */
export class RedisDedupeStore implements DedupeStore {
  readonly #run: (script: Script, key: string, args: string[]) => Promise<unknown>;
  readonly #prefix: string;

  constructor(options: RedisDedupeStoreOptions) {
    if (typeof options !== 'object' || options === null) {
      throw new TypeError(
        `RedisDedupeStore: expected an options object, got ${describeValue(options)}. Example: ${EXAMPLE}`,
      );
    }
    const { client, prefix = 'idwise:dedupe:', batchWrites = true } = options;
    if (typeof prefix !== 'string') {
      throw new TypeError(
        `RedisDedupeStore: option "prefix" must be a string, got ${describeValue(prefix)}. Example: ${EXAMPLE}`,
      );
    }
    if (typeof batchWrites !== 'boolean') {
      throw new TypeError(
        `RedisDedupeStore: option "batchWrites" must be true or false, got ${describeValue(batchWrites)}. ` +
          `Example: new RedisDedupeStore({ client, batchWrites: false })`,
      );
    }
    this.#prefix = prefix;
    this.#run = runnerFor(client, batchWrites);
  }

  async claim(key: string, leaseMs: number): Promise<ClaimResult> {
    const token = randomUUID();
    const reply = String(await this.#run(CLAIM, this.#prefix + key, [token, milliseconds(leaseMs, 'leaseMs')]));
    if (reply === 'claimed') return { state: 'claimed', token };
    return reply === 'done' ? { state: 'done' } : { state: 'in-flight' };
  }

  async complete(key: string, token: string, retentionMs: number): Promise<void> {
    await this.#run(COMPLETE, this.#prefix + key, [token, milliseconds(retentionMs, 'retentionMs')]);
  }

  async release(key: string, token: string): Promise<void> {
    await this.#run(RELEASE, this.#prefix + key, [token]);
  }
}

type Send = (scriptOrSha1: string, key: string, args: string[]) => Promise<unknown>;

function runnerFor(
  client: unknown,
  batchWrites: boolean,
): (script: Script, key: string, args: string[]) => Promise<unknown> {
  const shape = client as Partial<Record<'eval' | 'evalsha' | 'evalSha' | 'defineCommand', unknown>> | null;
  if (typeof client === 'object' && client !== null && typeof shape?.eval === 'function') {
    // evalSha (camelCase) exists only on node-redis clients, defineCommand only on ioredis ones.
    if (typeof shape.evalSha === 'function') {
      const nodeRedis = client as NodeRedisLikeClient;
      return runner(
        (text, key, args) => nodeRedis.eval(text, { keys: [key], arguments: args }),
        (sha1, key, args) => nodeRedis.evalSha(sha1, { keys: [key], arguments: args }),
      );
    }
    if (typeof shape.defineCommand === 'function') {
      const ioredis = client as IoRedisLikeClient;
      const evalsha = typeof shape.evalsha === 'function' ? ioredis.evalsha!.bind(ioredis) : undefined;
      const batched = batchWrites && realIsNodes ? turnBatcher(client as IoRedisConnection) : (send: Send) => send;
      return runner(
        batched((text, key, args) => ioredis.eval(text, 1, key, ...args)),
        evalsha && batched((sha1, key, args) => evalsha(sha1, 1, key, ...args)),
      );
    }
  }
  throw new TypeError(
    `RedisDedupeStore: option "client" must be an ioredis client or a node-redis client, got ${describeValue(client)}` +
      `${typeof client === 'object' && client !== null ? ' without the methods of either' : ''}. ` +
      `Example: ${EXAMPLE}, or with node-redis: const client = createClient({ url }); await client.connect(); ` +
      'new RedisDedupeStore({ client })',
  );
}

// Node's own setImmediate, read from node:timers when this module loads: the turn's end must come
// from the real event loop, or a corked socket would hold its commands until a fake clock is
// advanced. Batching is on only if its source is Node's (fake timers can replace node:timers'
// export too, as @sinonjs/fake-timers 11+ does) and while the global one is this very function (a
// fake, a stub or a wrapper put there before or after this module loaded turns it off).
const realSetImmediate = timers.setImmediate;
const realIsNodes =
  typeof realSetImmediate === 'function' &&
  Function.prototype.toString.call(realSetImmediate).startsWith('function setImmediate(');

/** What of an ioredis client (`new Redis()`) the batching reads; a Cluster has no single `stream`. */
interface IoRedisConnection {
  status?: unknown;
  stream?: { cork?: unknown; uncork?: unknown };
}

type Corkable = { cork(): void; uncork(): void };

/**
 * Wraps a send so that it first corks the client's socket, at this store's first command in a turn
 * of the event loop, until the turn ends: the turn's commands leave in one write, and under load
 * several deliveries claim and complete in one turn. The kernel's cost of a write was about half
 * of what the Redis store added to a delivery; one write per turn took 0-15% off its CPU over
 * HTTP (bench/RESULTS.md, session 6). ioredis writes a command to the socket as it is sent, which
 * is why the batching is done here; its own auto-pipelining builds a Pipeline per flush and
 * flushes at nextTick, before the turn's other sockets are read, and measured dearer.
 *
 * Nothing is corked unless the client is connected (`ready`), has a socket that can be corked,
 * and the global `setImmediate` is still Node's own: under a test's fake timers, or with it
 * wrapped, each command is written at once.
 */
function turnBatcher(client: IoRedisConnection): (send: Send) => Send {
  let corked: Corkable | undefined;
  const uncork = (): void => {
    const socket = corked;
    corked = undefined;
    try {
      socket?.uncork();
    } catch {
      // A socket that failed meanwhile: ioredis hears of it through the socket's own events.
    }
  };
  const corkForThisTurn = (): void => {
    if (corked !== undefined || client.status !== 'ready' || globalThis.setImmediate !== realSetImmediate) return;
    const socket = client.stream as Partial<Corkable> | undefined;
    if (typeof socket?.cork !== 'function' || typeof socket.uncork !== 'function') return;
    // The uncork is scheduled before the cork, so that nothing can leave the socket corked past
    // this turn; it undoes only a cork that happened.
    realSetImmediate(uncork);
    socket.cork();
    corked = socket as Corkable;
  };
  return (send) => (scriptOrSha1, key, args) => {
    corkForThisTurn();
    return send(scriptOrSha1, key, args);
  };
}

// NOSCRIPT answers after which a store sends every script by its text, as one that may not run
// EVALSHA does. A restart, failover or Cluster node costs one each; so many mean the server keeps
// evicting the scripts (Redis 8 keeps only 500 scripts loaded by EVAL), and each call would pay
// two round trips.
const NOSCRIPT_LIMIT = 100;

/** By SHA-1 once this store has sent a script by its text (see the class comment), else by text. */
function runner(
  byText: Send,
  bySha1: Send | undefined,
): (script: Script, key: string, args: string[]) => Promise<unknown> {
  if (bySha1 === undefined) return (script, key, args) => byText(script.text, key, args);
  const sent = new Set<Script>();
  let useSha1 = true;
  let lost = 0;
  return (script, key, args) => {
    if (!useSha1) return byText(script.text, key, args);
    if (!sent.has(script)) {
      return byText(script.text, key, args).then((reply) => {
        sent.add(script);
        return reply;
      });
    }
    return bySha1(script.sha1, key, args).catch((error: unknown) => {
      const message = error instanceof Error ? error.message : '';
      const lostScript = message.startsWith('NOSCRIPT');
      // A user whose ACL allows EVAL but not EVALSHA: by text from now on, as before EVALSHA was used.
      const refused = message.startsWith('NOPERM') && message.toLowerCase().includes('evalsha');
      if (!lostScript && !refused) throw error;
      if (refused || ++lost >= NOSCRIPT_LIMIT) useSha1 = false;
      // Both answers come before the script would run, so sending its text now runs it exactly once.
      return byText(script.text, key, args);
    });
  };
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
