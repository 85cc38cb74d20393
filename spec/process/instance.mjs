// One instance of a small app, run as its own process by multi-instance.spec.ts: its own Express
// app, its own store client, the BUILT package. It reports over IPC when a listener starts and
// finishes, so the spec can count handlings across processes.
//   STORE=ioredis|node-redis|ioredis-cluster|node-redis-cluster|postgres  STORE_URL  STORE_PREFIX  LEASE_MS  SLOW_MS
// For a Cluster, STORE_URL lists its seed nodes, comma-separated: redis://127.0.0.1:P1,redis://127.0.0.1:P2
import express from 'express';
import { idwiseWebhooks, PostgresDedupeStore, RedisDedupeStore } from '../../dist/esm/index.js';

const { STORE, STORE_URL, STORE_PREFIX, LEASE_MS = '2000', SLOW_MS = '30000' } = process.env;

async function openStore() {
  if (STORE === 'ioredis') {
    const { Redis } = await import('ioredis');
    // Fail fast while the store is unreachable instead of queueing commands offline.
    const client = new Redis(STORE_URL, {
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      retryStrategy: () => 50,
    });
    client.on('error', () => {});
    await new Promise((resolve) => client.once('ready', resolve));
    return new RedisDedupeStore({ client, prefix: STORE_PREFIX });
  }
  if (STORE === 'node-redis') {
    const { createClient } = await import('redis');
    const client = createClient({ url: STORE_URL, disableOfflineQueue: true, socket: { reconnectStrategy: () => 50 } });
    client.on('error', () => {});
    await client.connect();
    return new RedisDedupeStore({ client, prefix: STORE_PREFIX });
  }
  // The clients' defaults: no spec cuts a Cluster off, so nothing needs to fail fast.
  if (STORE === 'ioredis-cluster') {
    const { Cluster } = await import('ioredis');
    const nodes = STORE_URL.split(',').map((url) => ({ host: new URL(url).hostname, port: Number(new URL(url).port) }));
    const client = new Cluster(nodes);
    client.on('error', () => {});
    await new Promise((resolve) => client.once('ready', resolve));
    return new RedisDedupeStore({ client, prefix: STORE_PREFIX });
  }
  if (STORE === 'node-redis-cluster') {
    const { createCluster } = await import('redis');
    const client = createCluster({ rootNodes: STORE_URL.split(',').map((url) => ({ url })) });
    client.on('error', () => {});
    await client.connect();
    return new RedisDedupeStore({ client, prefix: STORE_PREFIX });
  }
  if (STORE === 'postgres') {
    const { default: pg } = await import('pg');
    // connectionTimeoutMillis also bounds the wait for a free client, so it must outlast a burst's queue.
    const pool = new pg.Pool({ connectionString: STORE_URL, max: 8, connectionTimeoutMillis: 3000 });
    pool.on('error', () => {});
    return new PostgresDedupeStore({ pool, table: STORE_PREFIX });
  }
  throw new Error(`unknown STORE ${STORE}`);
}

const webhooks = idwiseWebhooks({
  auth: { type: 'bearer', tokens: ['instance-token'] },
  store: await openStore(),
  leaseMs: Number(LEASE_MS),
  handlerTimeoutMs: Number(LEASE_MS) - 500,
  // Generous: a burst of hundreds of claims queues in the pool. Outages still fail fast, since the clients
  // are set not to queue while disconnected.
  storeTimeoutMs: 5000,
  logger: { debug() {}, info() {}, warn() {}, error() {} },
});
webhooks.events.on('webhook', async (payload) => {
  const { eventId } = payload.body;
  process.send({ type: 'start', eventId, pid: process.pid });
  // A little real work, so that concurrent deliveries of one event overlap.
  await new Promise((resolve) => setTimeout(resolve, payload.body.slow ? Number(SLOW_MS) : 5));
  process.send({ type: 'done', eventId, pid: process.pid });
});

const app = express();
app.use(webhooks);
const server = app.listen(0, '127.0.0.1', () => process.send({ type: 'ready', port: server.address().port }));
process.on('disconnect', () => process.exit(0));
