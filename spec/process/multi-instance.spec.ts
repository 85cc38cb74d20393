/**
 * Many instances, one truth: two server processes (each its own Express app and store client)
 * share one Redis or PostgreSQL store, against the machine's real servers, and one Redis Cluster
 * of three masters started for this file.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import net from 'node:net';
import { resolve } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PostgresDedupeStore } from '../../lib/index.js';
import { skipWithoutRedisCluster, startRedisCluster, type RedisCluster } from '../support/redis-cluster.js';

const REDIS_URL = process.env.REDIS_URL;
const DATABASE_URL = process.env.DATABASE_URL;
const LEASE_MS = 1500;
const run = randomBytes(4).toString('hex');

interface Instance {
  child: ChildProcess;
  port: number;
  started: string[];
  done: string[];
}

const children = new Set<ChildProcess>();

async function startInstance(store: string, url: string, prefix: string): Promise<Instance> {
  const child = fork(resolve(import.meta.dirname, 'instance.mjs'), {
    env: { ...process.env, STORE: store, STORE_URL: url, STORE_PREFIX: prefix, LEASE_MS: String(LEASE_MS) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  children.add(child);
  const instance: Instance = { child, port: 0, started: [], done: [] };
  await new Promise<void>((ready, failed) => {
    child.on('message', (m: { type: string; port?: number; eventId?: string }) => {
      if (m.type === 'ready') {
        instance.port = m.port!;
        ready();
      }
      if (m.type === 'start') instance.started.push(m.eventId!);
      if (m.type === 'done') instance.done.push(m.eventId!);
    });
    child.once('exit', (code) => failed(new Error(`instance exited with ${code} before it was ready`)));
  });
  return instance;
}

async function deliver(instance: Instance, eventId: string, extra: Record<string, unknown> = {}) {
  const response = await fetch(`http://127.0.0.1:${instance.port}/webhooks/idwise`, {
    method: 'POST',
    headers: { authorization: 'Bearer instance-token', 'content-type': 'application/json' },
    body: JSON.stringify({
      event: 'Finished Journey',
      body: { eventId, journeyId: randomBytes(12).toString('hex'), ...extra },
    }),
  });
  return { status: response.status, body: (await response.json()) as { status?: string; error?: string } };
}

/** Delivers as IDWise would, but on a compressed schedule: until a 200 or the time is up. */
async function deliverUntil200(instance: Instance, eventId: string, withinMs: number) {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const answer = await deliver(instance, eventId);
    if (answer.status === 200 || Date.now() > deadline) return answer;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A TCP relay to the store that can be cut, as a network partition would. */
function storeRelay(target: string) {
  const { hostname, port } = new URL(target);
  const sockets = new Set<net.Socket>();
  let cut = false;
  const server = net.createServer((client) => {
    if (cut) return client.destroy();
    const upstream = net.connect(Number(port), hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => {});
      socket.on('close', () => (sockets.delete(socket), client.destroy(), upstream.destroy()));
    }
    client.pipe(upstream).pipe(client);
  });
  return {
    listen: () =>
      new Promise<number>((ok) => server.listen(0, '127.0.0.1', () => ok((server.address() as net.AddressInfo).port))),
    url: (relayPort: number) => Object.assign(new URL(target), { port: String(relayPort) }).toString(),
    cut() {
      cut = true;
      for (const socket of sockets) socket.destroy();
    },
    heal() {
      cut = false;
    },
    close: () => new Promise((ok) => server.close(ok)),
  };
}

afterEach(() => {
  for (const child of children) child.kill('SIGKILL');
  children.clear();
});

const skipCluster = skipWithoutRedisCluster(
  'the Redis Cluster targets (ioredis-cluster, node-redis-cluster) of spec/process/multi-instance.spec.ts',
);
// One cluster for both Cluster targets. Each test asks for its URL, so a cluster that fails to
// start fails every one of their tests with the reason; a failing hook would leave them skipped.
let cluster: Promise<RedisCluster> | undefined;
const clusterSeeds = async () => (await (cluster ??= startRedisCluster())).urls.join(',');
beforeAll(async () => {
  if (!skipCluster) await clusterSeeds().catch(() => {});
}, 30_000);
afterAll(async () => {
  await (await cluster?.catch(() => undefined))?.stop();
});

interface Target {
  name: string;
  store: string;
  enabled: boolean;
  /** The store's URL; for a Cluster, its seed nodes, comma-separated. */
  url: () => string | Promise<string>;
  cluster?: boolean;
  prefix: () => string;
}

const redisPrefix = () => `idwise-test:${run}:${randomUUID()}:`;
const targets: Target[] = [
  { name: 'Redis (ioredis)', store: 'ioredis', enabled: !!REDIS_URL, url: () => REDIS_URL!, prefix: redisPrefix },
  { name: 'Redis (node-redis)', store: 'node-redis', enabled: !!REDIS_URL, url: () => REDIS_URL!, prefix: redisPrefix },
  {
    name: 'a Redis Cluster (ioredis)',
    store: 'ioredis-cluster',
    enabled: !skipCluster,
    url: clusterSeeds,
    cluster: true,
    prefix: redisPrefix,
  },
  {
    name: 'a Redis Cluster (node-redis)',
    store: 'node-redis-cluster',
    enabled: !skipCluster,
    url: clusterSeeds,
    cluster: true,
    prefix: redisPrefix,
  },
  {
    name: 'PostgreSQL',
    store: 'postgres',
    enabled: !!DATABASE_URL,
    url: () => DATABASE_URL!,
    prefix: () => `idwise_proc_${run}.dedupe_${randomBytes(4).toString('hex')}`,
  },
];

let pool: pg.Pool | undefined;
beforeAll(async () => {
  if (!DATABASE_URL) return;
  pool = new pg.Pool({ connectionString: DATABASE_URL });
  await pool.query(`CREATE SCHEMA IF NOT EXISTS idwise_proc_${run}`);
});
afterAll(async () => {
  await pool?.query(`DROP SCHEMA IF EXISTS idwise_proc_${run} CASCADE`);
  await pool?.end();
});

for (const target of targets) {
  describe.skipIf(!target.enabled)(`two processes sharing ${target.name}`, () => {
    async function freshPrefix() {
      const prefix = target.prefix();
      if (target.store === 'postgres') await new PostgresDedupeStore({ pool: pool!, table: prefix }).migrate();
      return prefix;
    }

    it('handles every eventId exactly once when each is sent several times at once to both processes', async () => {
      const url = await target.url();
      const prefix = await freshPrefix();
      const [a, b] = await Promise.all([
        startInstance(target.store, url, prefix),
        startInstance(target.store, url, prefix),
      ]);
      // Warm both store connections, so neither process wins every race merely by having connected first.
      const warmUp = [randomUUID(), randomUUID()];
      await Promise.all([deliver(a!, warmUp[0]!), deliver(b!, warmUp[1]!)]);
      a!.done.length = b!.done.length = 0;

      const eventIds = Array.from({ length: 150 }, () => randomUUID());
      const order = (i: number) => (i % 2 === 0 ? [a!, b!, a!, b!] : [b!, a!, b!, a!]);
      const answers = await Promise.all(eventIds.flatMap((id, i) => order(i).map((instance) => deliver(instance, id))));

      const processed = answers.filter((x) => x.status === 200 && x.body.status === 'processed').length;
      const others = answers.filter((x) => !(x.status === 200 && x.body.status === 'processed'));
      expect(processed).toBe(eventIds.length);
      const unexpected = others.filter(
        (x) => !((x.status === 200 && x.body.status === 'duplicate') || x.status === 409),
      );
      expect(unexpected).toEqual([]);
      const handled = [...a!.done, ...b!.done];
      expect(handled.length).toBe(eventIds.length);
      expect(new Set(handled)).toEqual(new Set(eventIds));
      // Each process received every event, so one handling per event is only possible through the
      // shared store: with separate stores each process would have handled each event once.
    }, 60_000);

    it('processes the retry on the surviving process after leaseMs when the other is killed mid-listener', async () => {
      const url = await target.url();
      const prefix = await freshPrefix();
      const [a, b] = await Promise.all([
        startInstance(target.store, url, prefix),
        startInstance(target.store, url, prefix),
      ]);
      const eventId = randomUUID();
      void deliver(a!, eventId, { slow: true }).catch(() => {});
      await expect.poll(() => a!.started, { timeout: 5_000 }).toContain(eventId);
      a!.child.kill('SIGKILL');
      const killedAt = Date.now();

      // The dead process's claim still holds: a retry now must not be acknowledged.
      expect((await deliver(b!, eventId)).status).toBe(409);
      const retry = await deliverUntil200(b!, eventId, LEASE_MS + 5_000);
      expect(retry).toEqual({ status: 200, body: { status: 'processed' } });
      expect(Date.now() - killedAt).toBeGreaterThanOrEqual(LEASE_MS - 300);
      expect(b!.done).toEqual([eventId]);
    }, 30_000);

    // A 200 tells IDWise the event is handled; a redelivery that reaches the other instance right
    // after must find it done, not still in flight (409 would invite yet another retry).
    it('answers 200 duplicate on the other instance right after one instance answered 200 processed', async () => {
      const url = await target.url();
      const prefix = await freshPrefix();
      const [a, b] = await Promise.all([
        startInstance(target.store, url, prefix),
        startInstance(target.store, url, prefix),
      ]);
      await Promise.all([deliver(a, randomUUID()), deliver(b, randomUUID())]);

      const eventIds = Array.from({ length: 100 }, () => randomUUID());
      const wrong: { eventId: string; first: unknown; second?: unknown }[] = [];
      // Four lanes, each one event at a time: the redelivery leaves the moment the first 200 arrives.
      const lanes = Array.from({ length: 4 }, (_, lane) => eventIds.filter((_, i) => i % 4 === lane));
      await Promise.all(
        lanes.map(async (lane) => {
          for (const eventId of lane) {
            const first = await deliver(a, eventId);
            if (first.status !== 200 || first.body.status !== 'processed') {
              wrong.push({ eventId, first });
              continue;
            }
            const second = await deliver(b, eventId);
            if (second.status !== 200 || second.body.status !== 'duplicate') wrong.push({ eventId, first, second });
          }
        }),
      );
      expect(wrong, `${wrong.length} of ${eventIds.length} events went wrong`).toEqual([]);

      const ours = new Set<string>(eventIds);
      await expect.poll(() => a.done.filter((id) => ours.has(id)).length).toBe(eventIds.length);
      expect(new Set(a.done.filter((id) => ours.has(id)))).toEqual(ours);
      expect(b.started.filter((id) => ours.has(id))).toEqual([]);
    }, 60_000);

    // The relay cannot stand between a Cluster client and the nodes: the cluster's slot map sends
    // the client to each node's own port.
    it.skipIf(target.cluster)(
      'answers 503 and runs no listener while the store is unreachable, and processes the next delivery after it recovers',
      async () => {
        const url = await target.url();
        const prefix = await freshPrefix();
        const relay = storeRelay(url);
        const instance = await startInstance(target.store, relay.url(await relay.listen()), prefix);
        try {
          relay.cut();
          const eventId = randomUUID();
          const during = await deliver(instance, eventId);
          expect(during).toEqual({ status: 503, body: { error: 'store_unavailable' } });
          expect(instance.started).toEqual([]);

          relay.heal();
          const after = await deliverUntil200(instance, eventId, 10_000);
          expect(after).toEqual({ status: 200, body: { status: 'processed' } });
          expect(instance.done).toEqual([eventId]);
        } finally {
          instance.child.kill('SIGKILL');
          await relay.close();
        }
      },
      30_000,
    );
  });
}
