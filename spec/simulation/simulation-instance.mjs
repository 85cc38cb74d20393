// One instance of the simulated app, run as its own process by delivery.spec.ts: the BUILT package
// on a RedisDedupeStore shared with the other instance, behind the same chaos as the in-process
// run. Every listener call is recorded in Redis as it starts and ends (`<pid>:start`, `<pid>:ok`,
// `<pid>:threw` pushed to `<prefix>calls:<key>`), so the record survives this process being
// killed, and shows which calls the kill cut short. A call that will run long is also announced
// over IPC, so that the spec can kill this process while one is surely running.
//   REDIS_URL  PREFIX  SEED  TOKEN
import express from 'express';
import { Redis } from 'ioredis';
import { idwiseWebhooks, RedisDedupeStore } from '../../dist/esm/index.js';
import { countingLogger, simulationApp } from './chaos.mjs';

const { REDIS_URL, PREFIX, SEED, TOKEN } = process.env;

const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
redis.on('error', () => {});
await new Promise((resolve) => redis.once('ready', resolve));

const { counts, logger } = countingLogger();
const { app, webhooks } = simulationApp({
  express,
  idwiseWebhooks,
  store: new RedisDedupeStore({ client: redis, prefix: `${PREFIX}dedupe:` }),
  seed: Number(SEED),
  token: TOKEN,
  async record(key, phase, ms) {
    // Expiring, like the dedupe keys, so that a run killed before its cleanup leaves nothing for long.
    const list = `${PREFIX}calls:${key}`;
    await redis.multi().rpush(list, `${process.pid}:${phase}`).pexpire(list, 600_000).exec();
    if (phase === 'start' && ms >= 100) process.send({ type: 'long-listener', key });
  },
  logger,
});

const server = app.listen(0, '127.0.0.1', () => process.send({ type: 'ready', port: server.address().port }));

process.on('message', async (message) => {
  if (message.type !== 'close') return;
  // Waits for listeners that outlived handlerTimeoutMs, and for their store updates.
  await webhooks.close();
  process.send({ type: 'closed', logs: Object.fromEntries(counts) });
});
process.on('disconnect', () => process.exit(0));
