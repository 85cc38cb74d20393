// The worker side, its own process: fetches each journey's result (here, a stand-in) and records
// it. A worker that dies mid-job loses nothing: its lock expires and another worker takes the job.
//   REDIS_URL=redis://127.0.0.1:6379 node examples/queue/worker.mjs
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';

const { REDIS_URL = 'redis://127.0.0.1:6379', QUEUE = 'idwise-journeys', CRASH_MID_JOB, WORK_MS = '300' } = process.env;
const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });

const worker = new Worker(
  QUEUE,
  async (job) => {
    console.log(`[worker ${process.pid}] started ${job.data.journeyId}`);
    // A stand-in for GET /journeys/{journeyId} on IDWise's REST API and a database write.
    await new Promise((resolve) => setTimeout(resolve, Number(WORK_MS)));
    if (CRASH_MID_JOB) {
      console.log(`[worker ${process.pid}] crashing mid-job`);
      process.kill(process.pid, 'SIGKILL');
    }
    console.log(`[worker ${process.pid}] recorded ${job.data.journeyId}: ${job.data.systemDecision}`);
  },
  // Short lock and stall check, so the demo shows recovery in seconds (defaults: 30 s).
  { connection, lockDuration: 1000, stalledInterval: 1000 },
);

process.once('SIGTERM', async () => {
  await worker.close();
  await connection.quit();
});
