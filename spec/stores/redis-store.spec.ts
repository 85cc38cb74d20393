import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { RedisDedupeStore } from '../../lib/stores/redis-store.js';
import { runDedupeStoreContract } from '../../lib/testing/store-contract.js';
import { nextTurn } from '../support/deferred.js';
import { roundTripsPerDelivery } from '../support/round-trips.js';

const url = process.env.REDIS_URL;
// Every key this run writes starts with this, so runs never collide and cleanup finds them all.
const runPrefix = `idwise-test:${randomUUID()}:`;

type NodeRedis = ReturnType<typeof createClient>;

describe.skipIf(!url)('RedisDedupeStore on a real server', () => {
  let ioredis: Redis;
  let nodeRedis: NodeRedis;

  beforeAll(async () => {
    ioredis = new Redis(url!, { maxRetriesPerRequest: 1 });
    nodeRedis = createClient({ url: url! });
    await nodeRedis.connect();
  });

  afterAll(async () => {
    for await (const keys of nodeRedis.scanIterator({ MATCH: `${runPrefix}*`, COUNT: 1000 })) {
      if (keys.length) await nodeRedis.del(keys);
    }
    await Promise.all([nodeRedis.quit(), ioredis.quit()]);
  });

  runDedupeStoreContract(
    'RedisDedupeStore with ioredis',
    ({ namespace }) => new RedisDedupeStore({ client: ioredis, prefix: `${runPrefix}ioredis:${namespace}:` }),
    {
      describe,
      it,
    },
  );

  runDedupeStoreContract(
    'RedisDedupeStore with node-redis',
    ({ namespace }) => new RedisDedupeStore({ client: nodeRedis, prefix: `${runPrefix}node-redis:${namespace}:` }),
    {
      describe,
      it,
    },
  );

  it('shares claims between an ioredis and a node-redis store of one prefix', async () => {
    const prefix = `${runPrefix}shared:`;
    const viaIoredis = new RedisDedupeStore({ client: ioredis, prefix });
    const viaNodeRedis = new RedisDedupeStore({ client: nodeRedis, prefix });
    const key = randomUUID();
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 ? viaIoredis : viaNodeRedis).claim(key, 60_000)),
    );
    const winners = results.filter((r) => r.state === 'claimed');
    expect(winners).toHaveLength(1);
    const winner = winners[0]!;
    if (winner.state !== 'claimed') throw new Error('unreachable');
    await viaNodeRedis.complete(key, winner.token, 60_000);
    expect(await viaIoredis.claim(key, 60_000)).toEqual({ state: 'done' });
  });

  it('keeps a claim under prefix + key holding its token, expiring with the lease', async () => {
    const prefix = `${runPrefix}layout:`;
    const store = new RedisDedupeStore({ client: ioredis, prefix });
    const key = randomUUID();
    const claim = await store.claim(key, 30_000);
    if (claim.state !== 'claimed') throw new Error('expected a claim');
    expect(await ioredis.get(prefix + key)).toBe(claim.token);
    expect(await ioredis.pttl(prefix + key)).toBeGreaterThan(25_000);
    expect(await ioredis.pttl(prefix + key)).toBeLessThanOrEqual(30_000);
    await store.complete(key, claim.token, 90_000);
    expect(await ioredis.get(prefix + key)).toBe('done');
    expect(await ioredis.pttl(prefix + key)).toBeGreaterThan(85_000);
  });

  it('uses the default prefix idwise:dedupe: when none is given', async () => {
    const store = new RedisDedupeStore({ client: nodeRedis });
    // Outside this run's prefix, so the key is random and removed right here.
    const key = `idwise-test:${randomUUID()}`;
    const claim = await store.claim(key, 5_000);
    expect(claim.state).toBe('claimed');
    expect(await nodeRedis.exists(`idwise:dedupe:${key}`)).toBe(1);
    await nodeRedis.del(`idwise:dedupe:${key}`);
  });

  /**
   * A client of its own, so that only one store's commands are counted, at the one funnel every
   * ioredis command goes through; connected first, so the handshake's commands are not counted.
   */
  async function countingClient(): Promise<{ counted: Redis; sent: string[] }> {
    const counted = new Redis(url!, { maxRetriesPerRequest: 1 });
    await counted.ping();
    const sent: string[] = [];
    const sendCommand = counted.sendCommand.bind(counted);
    counted.sendCommand = ((command: { name: string }, ...rest: unknown[]) => {
      sent.push(command.name);
      return (sendCommand as (...args: unknown[]) => unknown)(command, ...rest);
    }) as typeof counted.sendCommand;
    return { counted, sent };
  }

  it('costs a delivery one round trip to claim and one to settle, and a duplicate one', async () => {
    const { counted, sent } = await countingClient();
    try {
      const store = new RedisDedupeStore({ client: counted, prefix: `${runPrefix}round-trips:` });
      // New event: claim + complete. Duplicate: claim. Failing listener: claim + release.
      expect(await roundTripsPerDelivery(store, sent)).toEqual({ statuses: [200, 200, 500], counts: [2, 1, 2] });
    } finally {
      await counted.quit();
    }
  });

  it('sends each script by its text the first time and by its SHA-1 after that', async () => {
    const { counted, sent } = await countingClient();
    try {
      const store = new RedisDedupeStore({ client: counted, prefix: `${runPrefix}by-sha:` });
      const first = await store.claim('a', 60_000);
      const second = await store.claim('b', 60_000);
      if (first.state !== 'claimed' || second.state !== 'claimed') throw new Error('expected two claims');
      await store.complete('a', first.token, 60_000);
      await store.complete('b', second.token, 60_000);
      expect(sent).toEqual(['eval', 'evalsha', 'eval', 'evalsha']);
      expect(await store.claim('a', 60_000)).toEqual({ state: 'done' });
    } finally {
      await counted.quit();
    }
  });

  /**
   * A connected ioredis client of its own, whose socket counts how node hands it what to send:
   * `_write` for a lone chunk, `_writev` for chunks that were held back together (by a cork).
   */
  async function writeCountingClient(): Promise<{
    client: Redis;
    socket: Socket;
    writes: { single: number; gathered: number };
  }> {
    const client = new Redis(url!, { maxRetriesPerRequest: 1 });
    await client.ping();
    type Sink = (...args: unknown[]) => unknown;
    const socket = client.stream as Socket & { _write: Sink; _writev: Sink };
    const writes = { single: 0, gathered: 0 };
    const write = socket._write.bind(socket);
    const writev = socket._writev.bind(socket);
    socket._write = (...args: unknown[]) => ((writes.single += 1), write(...args));
    socket._writev = (...args: unknown[]) => ((writes.gathered += 1), writev(...args));
    return { client, socket, writes };
  }

  it('sends the commands of one turn of the event loop in one socket write (ioredis)', async () => {
    const { client, socket, writes } = await writeCountingClient();
    try {
      const store = new RedisDedupeStore({ client, prefix: `${runPrefix}one-write:` });
      const claims = Array.from({ length: 10 }, (_, i) => store.claim(`k${i}`, 60_000));
      expect(socket.writableCorked).toBe(1);
      await nextTurn();
      expect(socket.writableCorked).toBe(0);
      const answers = await Promise.all(claims);
      expect(answers.map((answer) => answer.state)).toEqual(Array(10).fill('claimed'));
      expect(writes).toEqual({ single: 0, gathered: 1 });
      // The next turn's commands are a write of their own, and each settles as before.
      const completions = answers.map((answer, i) =>
        store.complete(`k${i}`, (answer as { token: string }).token, 60_000),
      );
      await Promise.all(completions);
      expect(writes).toEqual({ single: 0, gathered: 2 });
      expect(await store.claim('k3', 60_000)).toEqual({ state: 'done' });
    } finally {
      await client.quit();
    }
  });

  it('leaves the socket alone with batchWrites: false', async () => {
    const { client, socket, writes } = await writeCountingClient();
    try {
      const store = new RedisDedupeStore({ client, prefix: `${runPrefix}no-batch:`, batchWrites: false });
      const claims = Array.from({ length: 5 }, (_, i) => store.claim(`k${i}`, 60_000));
      expect(socket.writableCorked).toBe(0);
      expect((await Promise.all(claims)).map((answer) => answer.state)).toEqual(Array(5).fill('claimed'));
      expect(writes.single + writes.gathered).toBeGreaterThan(1);
    } finally {
      await client.quit();
    }
  });

  // A corked socket waits for the real event loop's turn to end; under fake timers that turn's
  // setImmediate might never run, so nothing is corked: each command leaves at once, as before.
  it('corks nothing while setImmediate is faked, and still answers', async () => {
    const { client, socket } = await writeCountingClient();
    const store = new RedisDedupeStore({ client, prefix: `${runPrefix}fake-timers:` });
    vi.useFakeTimers({ toFake: ['setImmediate', 'setTimeout'] });
    try {
      const claim = store.claim('a', 60_000);
      expect(socket.writableCorked).toBe(0);
      expect((await claim).state).toBe('claimed');
    } finally {
      vi.useRealTimers();
      await client.quit();
    }
  });

  /**
   * The store module loaded afresh, as it would be under whatever setImmediate is in place now, and
   * a claim sent through it: the socket must not be corked. Answers the claim still in flight
   * (in an object, or the async function would wait for it).
   */
  async function claimFromAFreshModule(client: Redis, socket: Socket, name: string) {
    vi.resetModules();
    const { RedisDedupeStore: Loaded } = await import('../../lib/stores/redis-store.js');
    const claim = new Loaded({ client, prefix: `${runPrefix}${name}:` }).claim('a', 60_000);
    expect(socket.writableCorked).toBe(0);
    return { claim };
  }

  it('corks nothing under a hand-written setImmediate installed before the store module loaded', async () => {
    const { client, socket } = await writeCountingClient();
    const original = globalThis.setImmediate;
    const held: (() => void)[] = [];
    // Named like Node's, so only its identity tells it apart.
    globalThis.setImmediate = function setImmediate(callback: () => void) {
      held.push(callback);
    } as unknown as typeof setImmediate;
    try {
      const { claim } = await claimFromAFreshModule(client, socket, 'stub-first');
      expect((await claim).state).toBe('claimed');
      expect(held).toHaveLength(0);
    } finally {
      globalThis.setImmediate = original;
      vi.resetModules();
      await client.quit();
    }
  });

  it('corks nothing when the fake setImmediate was installed before the store module loaded', async () => {
    const { client, socket } = await writeCountingClient();
    vi.useFakeTimers({ toFake: ['setImmediate'] });
    try {
      const { claim } = await claimFromAFreshModule(client, socket, 'fake-first');
      // Real timers again before waiting: had the claim been corked, only the fake clock could send it.
      vi.useRealTimers();
      expect((await claim).state).toBe('claimed');
    } finally {
      vi.useRealTimers();
      vi.resetModules();
      await client.quit();
    }
  });

  // The server's own NOSCRIPT answer, as after a restart or failover: a client whose EVALSHA names
  // a script the server does not have. The call is sent by its text and runs once.
  it.each(['ioredis', 'node-redis'])('runs a script the server lost by its text again (%s)', async (which) => {
    const unknownSha1 = 'f'.repeat(40);
    const calls: string[] = [];
    const client =
      which === 'ioredis'
        ? {
            defineCommand: ioredis.defineCommand,
            eval: (...args: [string, number, ...string[]]) => (calls.push('eval'), ioredis.eval(...args)),
            evalsha: (_sha1: string, ...rest: [number, ...string[]]) => (
              calls.push('evalsha'),
              ioredis.evalsha(unknownSha1, ...rest)
            ),
          }
        : {
            eval: (text: string, options: { keys: string[]; arguments: string[] }) => (
              calls.push('eval'),
              nodeRedis.eval(text, options)
            ),
            evalSha: (_sha1: string, options: { keys: string[]; arguments: string[] }) => (
              calls.push('evalsha'),
              nodeRedis.evalSha(unknownSha1, options)
            ),
          };
    const store = new RedisDedupeStore({ client, prefix: `${runPrefix}lost-${which}:` });
    expect((await store.claim('a', 60_000)).state).toBe('claimed');
    const claim = await store.claim('b', 60_000);
    expect(claim.state).toBe('claimed');
    expect(await store.claim('b', 60_000)).toEqual({ state: 'in-flight' });
    expect(calls).toEqual(['eval', 'evalsha', 'eval', 'evalsha', 'eval']);
  });

  // A least-privilege user allowed EVAL and not EVALSHA: the server's own NOPERM answer. The
  // user is made for this test alone, under a random name, and removed after it.
  it.each(['ioredis', 'node-redis'])('works for a user who may run EVAL but not EVALSHA (%s)', async (which) => {
    const user = `idwise-test-${randomUUID()}`;
    const password = randomUUID();
    const prefix = `${runPrefix}acl-${which}:`;
    await ioredis.call(
      'ACL',
      'SETUSER',
      user,
      'on',
      `>${password}`,
      `~${prefix}*`,
      '-@all',
      '+@connection',
      '+info',
      '+eval',
      '+set',
      '+get',
      '+del',
    );
    const address = new URL(url!);
    address.username = user;
    address.password = password;
    let client: Redis | NodeRedis | undefined;
    try {
      if (which === 'ioredis') {
        client = new Redis(address.toString(), { maxRetriesPerRequest: 1 });
      } else {
        client = createClient({ url: address.toString() });
        await client.connect();
      }
      const store = new RedisDedupeStore({ client, prefix });
      const claims = [];
      for (const key of ['a', 'b', 'c']) claims.push(await store.claim(key, 60_000));
      expect(claims.map((claim) => claim.state)).toEqual(['claimed', 'claimed', 'claimed']);
      const last = claims[2]!;
      if (last.state !== 'claimed') throw new Error('expected a claim');
      await store.complete('c', last.token, 60_000);
      expect(await store.claim('c', 60_000)).toEqual({ state: 'done' });
    } finally {
      await client?.quit();
      await ioredis.call('ACL', 'DELUSER', user);
    }
  });

  it('rounds a fractional lease up to whole milliseconds', async () => {
    const store = new RedisDedupeStore({ client: nodeRedis, prefix: `${runPrefix}fraction:` });
    expect((await store.claim(randomUUID(), 1_000.5)).state).toBe('claimed');
  });
});

describe('RedisDedupeStore with a client that fails', () => {
  it('passes on an error other than NOSCRIPT from EVALSHA, without sending the script again', async () => {
    const calls: string[] = [];
    const client = {
      defineCommand: () => {},
      eval: async () => (calls.push('eval'), 'claimed'),
      evalsha: async () => {
        calls.push('evalsha');
        throw new Error('READONLY You cannot write against a read only replica.');
      },
    };
    const store = new RedisDedupeStore({ client, prefix: 'p:' });
    expect((await store.claim('a', 1_000)).state).toBe('claimed');
    await expect(store.claim('b', 1_000)).rejects.toThrow('READONLY');
    expect(calls).toEqual(['eval', 'evalsha']);
  });

  it('sends the script by its text again after a first EVAL failed', async () => {
    let fail = true;
    const calls: string[] = [];
    const client = {
      defineCommand: () => {},
      eval: async () => {
        calls.push('eval');
        if (fail) throw new Error('connection lost');
        return 'claimed';
      },
      evalsha: async () => (calls.push('evalsha'), 'claimed'),
    };
    const store = new RedisDedupeStore({ client, prefix: 'p:' });
    await expect(store.claim('a', 1_000)).rejects.toThrow('connection lost');
    fail = false;
    expect((await store.claim('a', 1_000)).state).toBe('claimed');
    expect((await store.claim('b', 1_000)).state).toBe('claimed');
    expect(calls).toEqual(['eval', 'eval', 'evalsha']);
  });
});

describe('RedisDedupeStore when EVALSHA is refused', () => {
  const claimingClient = (evalsha: () => Promise<unknown>, calls: string[]) => ({
    defineCommand: () => {},
    eval: async () => (calls.push('eval'), 'claimed'),
    evalsha: async () => (calls.push('evalsha'), evalsha()),
  });

  it('sends every script by its text once a NOPERM answer says the user may not run EVALSHA', async () => {
    const calls: string[] = [];
    const refused = async () => {
      throw new Error("NOPERM this user has no permissions to run the 'evalsha' command");
    };
    const store = new RedisDedupeStore({ client: claimingClient(refused, calls), prefix: 'p:' });
    for (const key of ['a', 'b', 'c', 'd']) expect((await store.claim(key, 1_000)).state).toBe('claimed');
    expect(calls).toEqual(['eval', 'evalsha', 'eval', 'eval', 'eval']);
  });

  it('sends every script by its text after 100 NOSCRIPT answers (a server that keeps evicting them)', async () => {
    const calls: string[] = [];
    const lost = async () => {
      throw new Error('NOSCRIPT No matching script. Please use EVAL.');
    };
    const store = new RedisDedupeStore({ client: claimingClient(lost, calls), prefix: 'p:' });
    for (let i = 0; i < 103; i++) expect((await store.claim(`k${i}`, 1_000)).state).toBe('claimed');
    expect(calls.filter((call) => call === 'evalsha')).toHaveLength(100);
    expect(calls.slice(-3)).toEqual(['eval', 'eval', 'eval']);
  });
});

describe('RedisDedupeStore options', () => {
  const ioredisShaped = { eval: async () => 'claimed', evalsha: async () => null, defineCommand: () => {} };

  it.each([
    ['nothing', undefined, 'undefined'],
    ['a URL string', 'redis://secret-host:6379', 'a string of length 24'],
    ['a plain object', {}, 'an object without the methods of either'],
    [
      'a client-like object without eval',
      { evalSha: () => {}, defineCommand: () => {} },
      'an object without the methods of either',
    ],
  ])('rejects %s as the client, naming the option, the type and an example', (_, client, described) => {
    const make = () => new RedisDedupeStore({ client: client as never });
    expect(make).toThrow(TypeError);
    expect(make).toThrow(`option "client" must be an ioredis client or a node-redis client, got ${described}`);
    expect(make).toThrow('Example: new RedisDedupeStore({ client: new Redis(process.env.REDIS_URL)');
    expect(make).toThrow(/^(?!.*secret-host).*$/s);
  });

  it('rejects a prefix that is not a string', () => {
    expect(() => new RedisDedupeStore({ client: ioredisShaped as never, prefix: 42 as never })).toThrow(
      /option "prefix" must be a string, got the number 42\. Example: new RedisDedupeStore/,
    );
  });

  it('rejects a batchWrites that is not a boolean', () => {
    expect(() => new RedisDedupeStore({ client: ioredisShaped as never, batchWrites: 'no' as never })).toThrow(
      /option "batchWrites" must be true or false, got a string of length 2\. Example: new RedisDedupeStore\(\{ client, batchWrites: false \}\)/,
    );
  });

  it('sends at once on a client without a socket of its own (a Cluster, or any fake): nothing to cork', async () => {
    const client = { ...ioredisShaped, status: 'ready' };
    const store = new RedisDedupeStore({ client: client as never });
    expect((await store.claim('a', 1_000)).state).toBe('claimed');
  });

  it('rejects a missing options object', () => {
    expect(() => new (RedisDedupeStore as new (o?: unknown) => unknown)()).toThrow(
      /expected an options object, got undefined/,
    );
  });

  it('accepts both real clients by type', () => {
    // Type-level check: both clients satisfy the structural option type without casts.
    const types = (io: Redis, nr: NodeRedis) => [
      new RedisDedupeStore({ client: io }),
      new RedisDedupeStore({ client: nr }),
    ];
    expect(types).toBeTypeOf('function');
  });
});
