import { createPipeline } from '../../lib/pipeline.js';
import type { DedupeStore } from '../../lib/stores/dedupe-store.js';
import { buildEvent } from '../../lib/testing/index.js';
import { quiet } from './fixtures.js';

/**
 * Runs a new event, its duplicate and a new event whose listener fails through a pipeline on
 * `store`, and reads how many store commands each sent: `sent` is the list the test's counting
 * client or pool appends to. Expected: 2 (claim, complete), 1 (claim), 2 (claim, release).
 */
export async function roundTripsPerDelivery(store: DedupeStore, sent: unknown[]) {
  const pipeline = createPipeline({
    auth: { type: 'none' },
    store,
    logger: quiet,
  });
  let fail = false;
  pipeline.events.on('journeyCompleted', async () => {
    if (fail) throw new Error('listener failed on purpose');
  });
  const event = buildEvent('Finished Journey');
  const counts: number[] = [];
  const statuses: number[] = [];
  for (const [payload, failing] of [
    [event, false],
    [event, false],
    [buildEvent('Finished Journey'), true],
  ] as const) {
    fail = failing;
    sent.length = 0;
    const answer = await pipeline.handle({ method: 'POST', headers: {}, ip: '127.0.0.1', body: { parsed: payload } });
    statuses.push(answer.status);
    counts.push(sent.length);
  }
  return { statuses, counts };
}
