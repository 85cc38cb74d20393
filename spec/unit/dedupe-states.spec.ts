import { describe, expect, it } from 'vitest';
import { createPipeline, MemoryDedupeStore, type WebhookPipeline } from '../../lib/index.js';
import { buildEvent } from '../../lib/testing/index.js';
import { AUTH, handle } from '../support/fixtures.js';
import { heldListener } from '../support/held-listener.js';
import { RecordingLogger } from '../support/recording-logger.js';

const LEASE = 60_000;
const RETENTION = 3_600_000;

/** A pipeline on a MemoryDedupeStore whose clock only moves when the test says so. */
function setup() {
  const clock = { now: 1_700_000_000_000 };
  const store = new MemoryDedupeStore({ now: () => clock.now });
  const pipeline: WebhookPipeline = createPipeline({
    auth: AUTH,
    store,
    leaseMs: LEASE,
    retentionMs: RETENTION,
    logger: new RecordingLogger(),
  });
  const held = heldListener();
  pipeline.events.on('journeyCompleted', held.listener);
  const payload = buildEvent('Finished Journey');
  const key = payload.body.eventId!;
  const deliver = () => handle(pipeline, payload);
  /** Delivers and lets the listener finish or fail at once. */
  const settled = async (n: number, outcome: 'finish' | 'fail' = 'finish') => {
    const answer = deliver();
    (await held.call(n))[outcome]();
    return answer;
  };
  const advance = (ms: number) => void (clock.now += ms);
  return { store, pipeline, held, payload, key, deliver, settled, advance };
}

const status = (response: { body: Record<string, unknown> }) => response.body.status ?? response.body.error;

describe('the dedupe state machine, driven through createPipeline on a fake clock', () => {
  it('claims, completes on success, then answers every redelivery duplicate without running listeners', async () => {
    const { held, deliver, settled } = setup();

    const first = await settled(0);
    const again = await deliver();

    expect([first.status, status(first)]).toEqual([200, 'processed']);
    expect([again.status, status(again)]).toEqual([200, 'duplicate']);
    expect(held.count).toBe(1);
  });

  it('answers 409 with Retry-After of the lease while the first attempt still runs', async () => {
    const { held, deliver } = setup();
    const first = deliver();
    const running = await held.call(0);

    const concurrent = await deliver();
    running.finish();

    expect(concurrent).toEqual({ status: 409, headers: { 'Retry-After': '60' }, body: { error: 'in_flight' } });
    expect(status(await first)).toBe('processed');
  });

  it('releases the claim when a listener fails, so the retry runs the listeners again', async () => {
    const { held, settled } = setup();

    const failed = await settled(0, 'fail');
    const retried = await settled(1);

    expect([failed.status, status(failed)]).toEqual([500, 'handler_failed']);
    expect(status(retried)).toBe('processed');
    expect(held.count).toBe(2);
  });

  it("lets a new attempt take a crashed attempt's key once leaseMs has passed, and not before", async () => {
    const { store, key, deliver, settled, advance } = setup();
    await store.claim(key, LEASE); // an attempt in a process that then died: never completed, never released

    advance(LEASE - 1);
    const beforeExpiry = await deliver();
    advance(1);
    const afterExpiry = await settled(0);

    expect(beforeExpiry.status).toBe(409);
    expect(status(afterExpiry)).toBe('processed');
  });

  it('ignores a late release by an attempt whose lease expired: the event taken over and done stays done', async () => {
    const { held, deliver, settled, advance } = setup();
    const slow = deliver();
    const stale = await held.call(0);
    advance(LEASE);
    const takeover = await settled(1);

    stale.fail();
    const late = await slow;

    expect(status(takeover)).toBe('processed');
    expect(status(late)).toBe('handler_failed');
    expect(status(await deliver())).toBe('duplicate');
  });

  it('ignores a late complete by an attempt whose lease expired: the takeover still in flight keeps the key', async () => {
    const { held, deliver, settled, advance } = setup();
    const slow = deliver();
    const stale = await held.call(0);
    advance(LEASE);
    const takeover = deliver();
    const current = await held.call(1);

    stale.finish();
    await slow;
    const whileTakeoverRuns = await deliver();
    current.fail();
    await takeover;

    expect(whileTakeoverRuns.status).toBe(409);
    expect(status(await settled(2))).toBe('processed');
  });

  it('forgets a handled event after retentionMs, so a much later delivery runs the listeners again', async () => {
    const { held, deliver, settled, advance } = setup();
    await settled(0);

    advance(RETENTION - 1);
    const stillRemembered = await deliver();
    advance(1);
    const forgotten = await settled(1);

    expect(status(stillRemembered)).toBe('duplicate');
    expect(status(forgotten)).toBe('processed');
    expect(held.count).toBe(2);
  });
});

describe('MemoryDedupeStore tokens, directly', () => {
  it('changes nothing on complete or release with a token that never owned the key', async () => {
    const { store, key } = setup();
    const claim = await store.claim(key, LEASE);

    await store.complete(key, 'not-the-token', RETENTION);
    await store.release(key, 'not-the-token');

    expect(claim.state).toBe('claimed');
    expect(await store.claim(key, LEASE)).toEqual({ state: 'in_flight' });
  });
});
