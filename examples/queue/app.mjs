// The webhook side: the listener only enqueues into a durable BullMQ queue and returns, so IDWise
// gets its 200 in milliseconds, and the 200 means "safely queued", not "still in memory".
import express from 'express';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { idwiseWebhooks, RedisDedupeStore } from 'idwise-webhooks';

export function createApp({ redisUrl, token, queueName, prefix }) {
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue(queueName, { connection });
  const webhooks = idwiseWebhooks({
    auth: { type: 'bearer', tokens: [token] },
    store: new RedisDedupeStore({ client: connection, prefix }),
  });

  webhooks.events.on('journeyCompleted', async (payload, ctx) => {
    // jobId = the dedupe key: should the same event be enqueued twice (a lease that expired while
    // the first enqueue hung), BullMQ keeps one job. If add() fails, the listener fails, the
    // answer is 500, and IDWise retries: the event is never acknowledged without a job.
    await queue.add('fetch-journey-result', payload.body, {
      jobId: ctx.dedupeKey, // the eventId itself, stable across retries
      attempts: 5,
      backoff: { type: 'exponential', delay: 1000 },
    });
  });

  const app = express();
  app.use(webhooks);
  return {
    app,
    async close() {
      await webhooks.close();
      await queue.close();
      await connection.quit();
    },
  };
}
