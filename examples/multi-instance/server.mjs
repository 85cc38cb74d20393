// One instance of an app that runs as many: the dedupe state lives in Redis (default) or
// PostgreSQL (STORE=postgres), so every instance sees every other instance's claims.
//   REDIS_URL=redis://127.0.0.1:6379 IDWISE_WEBHOOK_TOKEN=dev-token PORT=3001 node examples/multi-instance/server.mjs
import express from 'express';
import { idwiseWebhooks, PostgresDedupeStore, RedisDedupeStore } from 'idwise-webhooks';

async function sharedStore() {
  if (process.env.STORE === 'postgres') {
    const { default: pg } = await import('pg');
    const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test' });
    const store = new PostgresDedupeStore({ pool, table: process.env.DEDUPE_TABLE ?? 'idwise_dedupe' });
    await store.migrate(); // idempotent, safe from every instance at once
    return { store, close: () => pool.end() };
  }
  const { Redis } = await import('ioredis');
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  return { store: new RedisDedupeStore({ client: redis, prefix: process.env.DEDUPE_PREFIX }), close: () => redis.quit() };
}

const { store, close } = await sharedStore();
const webhooks = idwiseWebhooks({ auth: { type: 'bearer', tokens: [process.env.IDWISE_WEBHOOK_TOKEN] }, store });
webhooks.events.on('journeyCompleted', async (payload) => {
  await new Promise((resolve) => setTimeout(resolve, 200)); // some real work, so concurrent retries overlap
  console.log(`[instance ${process.env.INSTANCE ?? process.pid}] handled journey ${payload.body.journeyId}`);
});

const app = express();
app.use(webhooks);
const server = app.listen(Number(process.env.PORT ?? 3001), '127.0.0.1', () => {
  console.log(`[instance ${process.env.INSTANCE ?? process.pid}] ready on port ${server.address().port}`);
});

process.once('SIGTERM', async () => {
  await webhooks.close(); // finish deliveries in progress, so no claim is left to expire
  server.close();
  await close();
});
