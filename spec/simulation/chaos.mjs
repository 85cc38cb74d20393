// The faults of the delivery simulation, shared by the in-process run (lib/ on the memory store)
// and the child processes of the Redis run (the built package). Plain JavaScript, so that a child
// process runs it with node alone; chaos.d.mts gives the spec its types.
//
// Every fault is decided per delivery attempt, never per call order: a counter-based hash of
// (seed, event index, attempt, copy, purpose) gives a uniform number, so the same seed injects the
// same faults however the requests interleave. The attempt reaches the listener and the store
// through AsyncLocalStorage, set from a header only the simulated sender writes. The final attempt
// of an event carries no fault at all: whether an event survives then depends on the package alone.
import { AsyncLocalStorage } from 'node:async_hooks';

/** One IDWise minute, compressed. IDWise retries after 5, 10 and 15 minutes: initial + 3 retries. */
const MINUTE_MS = 100;

export const SIMULATION = Object.freeze({
  retryDelaysMs: Object.freeze([5 * MINUTE_MS, 10 * MINUTE_MS, 15 * MINUTE_MS]),
  // The longest listener (150 ms) plus the slowest store call (60 ms) ends far inside the lease, so
  // no retry can take over a delivery that is still running: on a shared store that is what keeps
  // "handled more than once" at zero. The lease in turn ends well before the final retry (1500 ms
  // after the one before), so no claim left by an earlier attempt is still held when it arrives.
  leaseMs: 1000,
  // Far beyond the run; short only so that keys a crashed run leaves in Redis soon expire.
  retentionMs: 600_000,
  handlerTimeoutMs: 50,
  storeTimeoutMs: 30,
  /** Shares of listener calls, per attempt that is not the last; the rest succeed at once. */
  listener: Object.freeze({
    throws: 0.12, // rejects after 0-20 ms: 500
    slow: 0.1, // succeeds after 10-40 ms, inside handlerTimeoutMs
    pastTimeout: 0.08, // succeeds after 60-150 ms, ignoring ctx.signal: 503, then the claim completes
    throwsPastTimeout: 0.03, // rejects after 60-150 ms: 503, then the claim is released
  }),
  /** Shares of store calls, per attempt that is not the last. */
  store: Object.freeze({
    slow: 0.1, // 5-20 ms, inside storeTimeoutMs
    pastTimeout: 0.05, // 35-60 ms: the pipeline gives up on it, the call still lands later
    // Refused outright. Not for complete: a lost complete after a 503 is the documented way a
    // retry may run an event again, and this run asserts that nothing runs twice.
    claimFails: 0.02,
    releaseFails: 0.02,
  }),
  /** Share of attempts (not the last) sent twice at once, as after a timeout on the sender's side. */
  sendTwice: 0.1,
});

export const DELIVERY_HEADER = 'x-simulated-delivery';

const PURPOSE = { listener: 1, claim: 2, complete: 3, release: 4, sendTwice: 5, route: 6 };

function mix(h) {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A uniform number in [0, 1) determined by the seed and the integers given, and nothing else. */
export function uniform(seed, ...parts) {
  let h = mix(seed ^ 0x6a09e667);
  for (const part of parts) h = mix(h ^ Math.imul((part | 0) + 0x9e3779b9, 0x27d4eb2d));
  return h / 2 ** 32;
}

const between = (u, low, high) => low + Math.floor(u * (high - low + 1));

function draw(seed, delivery, purpose) {
  const u = uniform(seed, delivery.index, delivery.attempt, delivery.copy, purpose);
  const v = uniform(seed, delivery.index, delivery.attempt, delivery.copy, purpose, 1);
  return [u, v];
}

export function listenerFate(seed, delivery) {
  if (!delivery || delivery.final) return { kind: 'succeeds', ms: 0 };
  const [u, v] = draw(seed, delivery, PURPOSE.listener);
  const s = SIMULATION.listener;
  const fates = [
    [s.throws, { kind: 'throws', ms: between(v, 0, 20) }],
    [s.slow, { kind: 'succeeds', ms: between(v, 10, 40) }],
    [s.pastTimeout, { kind: 'succeeds', ms: between(v, 60, 150) }],
    [s.throwsPastTimeout, { kind: 'throws', ms: between(v, 60, 150) }],
  ];
  let edge = 0;
  for (const [share, fate] of fates) if (u < (edge += share)) return fate;
  return { kind: 'succeeds', ms: between(v, 0, 2) };
}

export function storeFate(seed, delivery, operation) {
  if (!delivery || delivery.final) return { ms: 0, fails: false };
  const [u, v] = draw(seed, delivery, PURPOSE[operation]);
  const s = SIMULATION.store;
  const failShare = operation === 'claim' ? s.claimFails : operation === 'release' ? s.releaseFails : 0;
  if (u < failShare) return { ms: between(v, 0, 5), fails: true };
  if (u < failShare + s.slow) return { ms: between(v, 5, 20), fails: false };
  if (u < failShare + s.slow + s.pastTimeout) return { ms: between(v, 35, 60), fails: false };
  return { ms: 0, fails: false };
}

export function sendsTwice(seed, index, attempt) {
  return uniform(seed, index, attempt, 0, PURPOSE.sendTwice) < SIMULATION.sendTwice;
}

/** Which of two instances an attempt goes to, as a round-robin-ish load balancer would spread them. */
export function routeOf(seed, index, attempt, copy) {
  return uniform(seed, index, attempt, copy, PURPOSE.route) < 0.5 ? 0 : 1;
}

export const formatDelivery = (d) => `${d.index}.${d.attempt}.${d.copy}.${d.final ? 1 : 0}`;

function parseDelivery(header) {
  const match = /^(\d+)\.(\d+)\.(\d+)\.([01])$/.exec(typeof header === 'string' ? header : '');
  if (!match) return undefined;
  return { index: +match[1], attempt: +match[2], copy: +match[3], final: match[4] === '1' };
}

const current = new AsyncLocalStorage();

/** Express middleware, mounted before the webhooks: the attempt the rest of the request runs under. */
export function deliveryContext(req, _res, next) {
  current.run(parseDelivery(req.headers[DELIVERY_HEADER]), next);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Wraps a DedupeStore: each call waits (before reaching the store, as a slow network would) or fails. */
export function chaosStore(inner, seed) {
  const call = async (operation, run) => {
    const fate = storeFate(seed, current.getStore(), operation);
    if (fate.ms > 0) await sleep(fate.ms);
    if (fate.fails) throw new Error(`store.${operation} refused (simulated outage)`);
    return run();
  };
  return {
    claim: (key, leaseMs) => call('claim', () => inner.claim(key, leaseMs)),
    complete: (key, token, retentionMs) => call('complete', () => inner.complete(key, token, retentionMs)),
    release: (key, token) => call('release', () => inner.release(key, token)),
  };
}

/**
 * The app's listener: it fails, is slow or outlives handlerTimeoutMs as the attempt's fate says
 * (a slow one ignores ctx.signal, as real code that forgets it does). It reports each call as it
 * starts (with how long it will take) and how it ended: `ok` is its one side effect, done last,
 * so an event counts as handled exactly when a call of its listener succeeded.
 */
export function chaosListener(seed, record) {
  return async (_payload, ctx) => {
    const fate = listenerFate(seed, current.getStore());
    await record(ctx.dedupeKey, 'start', fate.ms);
    if (fate.ms > 0) await sleep(fate.ms);
    if (fate.kind === 'throws') {
      await record(ctx.dedupeKey, 'threw', 0);
      throw new Error('listener failed (simulated)');
    }
    await record(ctx.dedupeKey, 'ok', 0);
  };
}

/** Counts what the package logs, by message, instead of printing it. */
export function countingLogger() {
  const counts = new Map();
  const count = (level) => (_fields, message) => {
    const key = `${level}: ${message}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  };
  return { counts, logger: { debug() {}, info() {}, warn: count('warn'), error: count('error') } };
}

/** The simulated app: an Express app whose webhooks run on `store` behind the chaos above. */
export function simulationApp({ express, idwiseWebhooks, store, seed, token, record, logger }) {
  const webhooks = idwiseWebhooks({
    auth: { type: 'bearer', tokens: [token] },
    store: chaosStore(store, seed),
    leaseMs: SIMULATION.leaseMs,
    retentionMs: SIMULATION.retentionMs,
    handlerTimeoutMs: SIMULATION.handlerTimeoutMs,
    storeTimeoutMs: SIMULATION.storeTimeoutMs,
    logger,
  });
  webhooks.events.on('webhook', chaosListener(seed, record));
  const app = express();
  app.use(deliveryContext);
  app.use(webhooks);
  return { app, webhooks };
}
