// `node examples/queue/run.mjs`: IDWise -> webhook -> durable queue -> worker, on the local Redis.
// The first worker dies in the middle of the job; a second worker finishes it. Nothing is lost.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { buildEvent } from 'idwise-webhooks/testing';
import { createApp } from './app.mjs';

const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const queueName = `idwise-journeys-example-${randomUUID().slice(0, 8)}`;
const { app, close } = createApp({ redisUrl, token: 'dev-token', queueName, prefix: `idwise:queue-example:${queueName}:` });
const server = app.listen(0, '127.0.0.1');
await new Promise((resolve) => server.once('listening', resolve));

const startWorker = (env) =>
  spawn(process.execPath, [new URL('./worker.mjs', import.meta.url).pathname], {
    env: { ...process.env, REDIS_URL: redisUrl, QUEUE: queueName, ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });

const eventsConnection = new Redis(redisUrl, { maxRetriesPerRequest: null });
const queueEvents = new QueueEvents(queueName, { connection: eventsConnection });
await queueEvents.waitUntilReady();
const completed = new Promise((resolve) => queueEvents.once('completed', resolve));

const payload = buildEvent('Finished Journey');
const started = Date.now();
const response = await fetch(`http://127.0.0.1:${server.address().port}/webhooks/idwise`, {
  method: 'POST',
  headers: { authorization: 'Bearer dev-token', 'content-type': 'application/json' },
  body: JSON.stringify(payload),
});
console.log(`IDWise got ${response.status} ${await response.text()} after ${Date.now() - started} ms: the job is queued`);

const first = startWorker({ CRASH_MID_JOB: '1' });
await new Promise((resolve) => first.once('exit', resolve));
console.log('The first worker died mid-job. Starting a second one...');
const second = startWorker({});
const timeout = setTimeout(() => {
  console.log('Unexpected: the job was not finished within 15 s');
  process.exit(1);
}, 15_000);
await completed;
clearTimeout(timeout);
console.log(`The job for journey ${payload.body.journeyId} was completed by the second worker: nothing was lost.`);

second.kill('SIGTERM');
await new Promise((resolve) => second.once('exit', resolve));
await queueEvents.close();
const cleanup = new Queue(queueName, { connection: eventsConnection });
await cleanup.obliterate({ force: true });
await cleanup.close();
await eventsConnection.quit();
await close();
server.close();
process.exit(0);
