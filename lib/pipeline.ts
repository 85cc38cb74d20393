/**
 * The framework-free core: authenticate → read → validate → claim → dispatch → settle, over plain
 * values. The Express router and the node:http handler only translate a request into a
 * `WebhookRequest` and write the `HttpResponse` back.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { createAuthenticator } from './auth.js';
import { readJsonBody, type BodyResult, type RequestBody } from './body.js';
import { Deadline, TIMED_OUT } from './deadline.js';
import { dedupeKeyOf } from './dedupe-key.js';
import { Delivery } from './delivery-context.js';
import { runListeners, toError, type ListenerRun } from './dispatch.js';
import { after, type Later } from './later.js';
import { emitterEventsFor, type IdwiseEventEmitter, type IdwisePayload } from './events.js';
import { resolveOptions, type IdwiseWebhooksOptions } from './options.js';
import { createResponder, type HttpResponse, type Outcome } from './outcomes.js';
import type { ClaimResult, DedupeStore } from './stores/dedupe-store.js';
import { MemoryDedupeStore, type ImmediateStore } from './stores/memory-store.js';
import { payloadValidator } from './validate.js';

export interface WebhookRequest {
  method: string;
  headers: IncomingHttpHeaders;
  /** The caller's address as the framework sees it (Express: `req.ip`, honouring `trust proxy`). */
  ip: string | undefined;
  body: RequestBody;
}

export interface WebhookPipeline {
  readonly events: IdwiseEventEmitter;
  /** The route path the faces mount. */
  readonly path: string;
  handle(request: WebhookRequest): Promise<HttpResponse>;
  /** Answer 503 from now on, wait for every delivery in progress (and its store update), then resolve. */
  close(): Promise<void>;
}

type StoreResult<T> = { ok: true; value: T } | { ok: false; error: Error };

export function createPipeline(options: IdwiseWebhooksOptions): WebhookPipeline {
  const o = resolveOptions(options);
  const { events, logger, store } = o;
  const authenticate = createAuthenticator(o.auth);
  const validate = payloadValidator();
  const bodyLimits = { limit: o.limit, deadline: new Deadline(o.bodyTimeoutMs) };
  const storeDeadline = new Deadline(o.storeTimeoutMs);
  const handlerDeadline = new Deadline(o.handlerTimeoutMs);
  const retry = { claimSeconds: Math.ceil(o.leaseMs / 1000), unavailableSeconds: 5 };
  const respond = createResponder(retry);
  const unheard = new Set<string>();
  // Completions still being recorded after their 200 went out (see settle()), by dedupe key. A
  // duplicate delivery of one reaching this process meanwhile waits for it, and so is answered
  // `duplicate` rather than 409: the store may not have the completion yet (a pool's other
  // connection, another server in a Cluster), but this process already answered 200.
  const recording = new Map<string, Promise<void>>();
  let closing = false;
  // Work close() waits for: deliveries in progress, and settlements still running after a handler
  // timeout answered. A count and one waiter, not a Set of promises: nothing to add or delete per request.
  let inProgress = 0;
  let drained: (() => void) | undefined;
  let drain: Promise<void> | undefined;

  function begin(): void {
    inProgress += 1;
  }
  function end(): void {
    inProgress -= 1;
    if (inProgress === 0) drained?.();
  }

  /**
   * One store operation, as a result: never a rejection. A store that throws, rejects, outlives
   * storeTimeoutMs or answers something `check` refuses is a failed call. `call` is given the store
   * to call: the store itself, or the memory store's synchronous face.
   *
   * The memory store answers before it returns, so it is called directly, with no promise to
   * watch and no deadline to run (a timer cannot interrupt synchronous code anyway): about ten
   * promises a delivery fewer on the default store. Checked on every call, not once: a spy put on
   * one of its methods after the pipeline was built is called as written. Any other store waits
   * on the network, so its deadline starts at once (`race()`, no turns of grace).
   */
  function storeCall<T>(
    operation: string,
    call: (target: DedupeStore | ImmediateStore) => Later<T>,
    check: (value: T) => T = unchecked,
  ): Later<StoreResult<T>> {
    const immediate = MemoryDedupeStore.immediate(store);
    // The synchronous face answers T itself, never a promise.
    if (immediate) return attempt(() => check(call(immediate) as T));
    let work: Promise<T>;
    try {
      // Promise.resolve: a custom store may answer with a plain value; on a native promise it is free.
      work = Promise.resolve(call(store));
    } catch (error) {
      // A custom store's method threw instead of rejecting.
      return Promise.resolve(failure(error));
    }
    return storeDeadline.race(
      work,
      (value) => attempt(() => check(value)),
      failure,
      () => failure(new Error(`store.${operation} took longer than storeTimeoutMs (${o.storeTimeoutMs} ms)`)),
    );
  }

  function handle(request: WebhookRequest): Promise<HttpResponse> {
    if (closing) return Promise.resolve(respond({ kind: 'closing' }));
    begin();
    let outcome: Later<Outcome>;
    try {
      outcome = receive(request);
    } catch (error) {
      // A throw on the way (a logger that throws, say) is a rejection, as from an async function.
      end();
      return Promise.reject(error as Error);
    }
    if (!(outcome instanceof Promise)) {
      end();
      return Promise.resolve(respond(outcome));
    }
    return outcome.then(
      (settled) => {
        end();
        return respond(settled);
      },
      (error: unknown) => {
        end();
        throw error;
      },
    );
  }

  // From here on each step answers at once when it can, and returns a promise only when it waits
  // (see later.ts): a delivery on the memory store with a parsed body waits only for its listeners.
  function receive(request: WebhookRequest): Later<Outcome> {
    if (request.method !== 'POST') return { kind: 'method_not_allowed' };
    if (o.allowedIps && !o.allowedIps(request.ip)) {
      logger.warn({ ip: request.ip }, 'refused a webhook from an address outside allowedIps');
      return { kind: 'forbidden' };
    }
    const auth = authenticate(request.headers);
    if (!auth.ok) {
      logger.warn({ reason: auth.reason, ip: request.ip }, 'refused a webhook without valid credentials');
      return { kind: 'unauthorized', challenge: auth.challenge };
    }
    return after(readJsonBody(request.body, request.headers, bodyLimits), accept);
  }

  function accept(body: BodyResult): Later<Outcome> {
    if (!body.ok) return { kind: body.reason };
    const checked = validate(body.value);
    if (!checked.valid) return { kind: 'invalid_payload', issues: checked.issues };
    const payload = checked.payload;
    let key: string;
    try {
      key = dedupeKeyOf(payload);
    } catch {
      // Only a payload without eventId is hashed, and only absurd nesting makes that overflow the stack.
      return { kind: 'invalid_payload', issues: [{ path: '/body', message: 'must not nest this deeply' }] };
    }
    const earlier = recording.get(key);
    if (earlier !== undefined) return earlier.then(() => claimAndDeliver(payload, key));
    return claimAndDeliver(payload, key);
  }

  function claimAndDeliver(payload: IdwisePayload, key: string): Later<Outcome> {
    const answer = storeCall('claim', (target) => target.claim(key, o.leaseMs), checkedClaim);
    return after(answer, (claimResult) => claimed(payload, key, claimResult));
  }

  function claimed(payload: IdwisePayload, key: string, claim: StoreResult<ClaimResult>): Later<Outcome> {
    if (!claim.ok) {
      if (o.storeFailure === 'reject') {
        logger.error(
          { dedupeKey: key, error: claim.error.message },
          'dedupe store failed; answered 503 so IDWise retries',
        );
        return { kind: 'store_unavailable' };
      }
      logger.warn(
        { dedupeKey: key, error: claim.error.message },
        'dedupe store failed; running listeners without dedupe',
      );
      return deliver(payload, key, undefined);
    }
    switch (claim.value.state) {
      case 'done':
        logger.debug({ dedupeKey: key }, 'duplicate delivery; already handled');
        return { kind: 'duplicate' };
      case 'in-flight':
        logger.debug({ dedupeKey: key }, 'delivery of an event still being handled');
        return { kind: 'in_flight' };
      case 'claimed':
        return deliver(payload, key, claim.value.token);
    }
  }

  function deliver(payload: IdwisePayload, key: string, token: string | undefined): Promise<Outcome> {
    const ctx = new Delivery(key, payload.body.eventId, token !== undefined);
    const run = runListeners(events, emitterEventsFor(payload), [payload, ctx]);

    // The timeout measures the listeners alone: a store slow to record the outcome is bounded by
    // storeTimeoutMs, and must not turn a handled event into a 503.
    return handlerDeadline.within(run).then((first) => {
      if (first === TIMED_OUT) {
        ctx.abort(new Error(`handlerTimeoutMs (${o.handlerTimeoutMs} ms) passed`));
        logger.warn(
          { dedupeKey: key, event: payload.event },
          'listeners outlived handlerTimeoutMs; answered 503, the claim settles when they do (or expires at leaseMs)',
        );
        // The claim stays held until the listeners settle (or the lease ends: it is not renewed), so a
        // retry meanwhile gets 409 rather than running them a second time at once.
        begin();
        void run.then((late) => settle(late, payload, ctx, token)).then(end, end);
        return HANDLER_TIMEOUT;
      }
      return after(settle(first, payload, ctx, token), (handled) => (handled ? PROCESSED : HANDLER_FAILED));
    });
  }

  /**
   * Records the outcome in the store. Never throws: it may run after the answer was sent.
   *
   * After the listeners succeeded the answer is 200 whatever `complete` does, so the answer does
   * not wait for it: the completion is sent now and recorded in the background, where close()
   * waits for it and storeTimeoutMs bounds it. On a network store that spares each delivery the
   * wait for a second round trip: the answer leaves one round trip sooner, and under load the
   * completion's reply is read together with other deliveries' traffic instead of waking the
   * process on its own (5-8% less CPU per delivery on Redis over HTTP, bench/RESULTS.md, session 7).
   */
  function settle(run: ListenerRun, payload: IdwisePayload, ctx: Delivery, token: string | undefined): Later<boolean> {
    if (!run.ok) return settleFailure(run.error, payload, ctx, token);
    // Bounded: event names come from the sender, and one warning per name is all that is useful.
    if (run.listeners === 0 && !unheard.has(payload.event) && unheard.size < 100) {
      unheard.add(payload.event);
      logger.warn({ event: payload.event }, 'no listener for this event; it was acknowledged and dropped');
    }
    if (token === undefined) return true;
    const key = ctx.dedupeKey;
    const completion = storeCall('complete', (target) => target.complete(key, token, o.retentionMs));
    if (!(completion instanceof Promise)) {
      completed(key, completion);
      return true;
    }
    begin();
    const recorded = completion.then((done) => {
      if (recording.get(key) === recorded) recording.delete(key);
      completed(key, done);
      end();
    });
    // Another completion of this key may still be running: a late one, from listeners that outlived
    // handlerTimeoutMs and then their lease, beside the newer claim's. A redelivery waits for both.
    const earlier = recording.get(key);
    if (earlier === undefined) {
      recording.set(key, recorded);
      return true;
    }
    const both: Promise<void> = Promise.all([earlier, recorded]).then(() => {
      if (recording.get(key) === both) recording.delete(key);
    });
    recording.set(key, both);
    return true;
  }

  function completed(key: string, done: StoreResult<void>): void {
    // The listeners did succeed, so the answer was 200; the claim simply expires after leaseMs.
    if (!done.ok)
      logger.error(
        { dedupeKey: key, error: done.error.message },
        'could not mark the event done; a later retry may run it again',
      );
  }

  // The rare path, so written plainly.
  async function settleFailure(
    error: Error,
    payload: IdwisePayload,
    ctx: Delivery,
    token: string | undefined,
  ): Promise<boolean> {
    const key = ctx.dedupeKey;
    logger.error(
      { dedupeKey: key, event: payload.event, error: error.message },
      'a listener failed; answered non-200 so IDWise retries',
    );
    const reported = await runListeners(events, ['handlerError'], [error, payload, ctx]);
    if (!reported.ok) logger.error({ dedupeKey: key, error: reported.error.message }, 'a handlerError listener failed');
    if (token !== undefined) {
      const released = await storeCall('release', (target) => target.release(key, token));
      if (!released.ok)
        logger.error(
          { dedupeKey: key, error: released.error.message },
          'could not release the claim; a retry waits for leaseMs',
        );
    }
    return false;
  }

  async function close(): Promise<void> {
    closing = true;
    if (inProgress === 0) return;
    // Shared, so that every caller of close() is answered, not only the last.
    drain ??= new Promise<void>((resolve) => (drained = resolve));
    await drain;
  }

  return { events, path: o.path, handle, close };
}

// The outcomes of a delivery that ran its listeners carry nothing of it: made once.
const PROCESSED: Outcome = { kind: 'processed' };
const HANDLER_FAILED: Outcome = { kind: 'handler_failed' };
const HANDLER_TIMEOUT: Outcome = { kind: 'handler_timeout' };

const failure = (error: unknown): StoreResult<never> => ({ ok: false, error: toError(error) });

/** A synchronous store call as a result: a throw is a failed call, as a rejection is. */
function attempt<T>(call: () => T): StoreResult<T> {
  try {
    return { ok: true, value: call() };
  } catch (error) {
    return failure(error);
  }
}

// Made once: a default parameter written as an arrow function is a new closure on every call.
const unchecked = <T>(value: T): T => value;

/** A custom store that answers outside its contract is a failing store: never guess what it meant. */
function checkedClaim(result: ClaimResult): ClaimResult {
  const state = (result as Partial<ClaimResult> | null | undefined)?.state;
  if (state === 'done' || state === 'in-flight') return result;
  if (
    state === 'claimed' &&
    typeof (result as { token?: unknown }).token === 'string' &&
    (result as { token: string }).token !== ''
  ) {
    return result;
  }
  throw new Error('store.claim answered outside the DedupeStore contract');
}
