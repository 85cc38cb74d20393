/**
 * The framework-free core: authenticate → read → validate → key → claim → dispatch → settle. The
 * faces (lib/http/) only turn a request into a `WebhookRequest` and write the `HttpResponse` back.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { createAuthenticator } from './auth.js';
import { readJsonBody, type RequestBody } from './body.js';
import { dedupeKeyOf } from './dedupe-key.js';
import type { DeliveryTrace } from './diagnostics.js';
import { runListeners, toError, type ListenerRun } from './dispatch.js';
import { emitterEventsFor, warnOnUnheardNames, type DeliveryContext, type IdwiseEventEmitter } from './emitter.js';
import { ListenerContext } from './listener-context.js';
import { resolveOptions, type IdwiseWebhooksOptions } from './options.js';
import { createRefusalLog } from './refusal-log.js';
import { toResponse, type HttpResponse, type Outcome } from './outcomes.js';
import type { IdwisePayload } from './payload/events.js';
import { payloadValidator } from './payload/validate.js';
import { guardStore } from './store-guard.js';
import { TIMED_OUT, withTimeout } from './timeout.js';
import { deliveryChannel } from './trace-channels.js';

export interface WebhookRequest {
  method: string;
  headers: IncomingHttpHeaders;
  /** The caller's address as the framework sees it (Express: `req.ip`, honouring `trust proxy`). */
  ip: string | undefined;
  body: RequestBody;
}

/** What every face offers besides its handler. */
export interface WebhookLifecycle {
  /** Subscribe here: `webhooks.events.on('journeyCompleted', async (payload, ctx) => { ... })`. */
  readonly events: IdwiseEventEmitter;
  /** Answer 503 from now on, wait for every delivery in progress (and its store update), then resolve. */
  close(): Promise<void>;
}

export interface WebhookPipeline extends WebhookLifecycle {
  /** The route path the faces mount. */
  readonly path: string;
  handle(request: WebhookRequest): Promise<HttpResponse>;
}

export function createPipeline(options: IdwiseWebhooksOptions): WebhookPipeline {
  const o = resolveOptions(options);
  const { events, logger } = o;
  const authenticate = createAuthenticator(o.auth);
  const validate = payloadValidator();
  const store = guardStore(o.store, o.storeTimeoutMs);
  const claimSeconds = Math.ceil(o.leaseMs / 1000);
  const bodyLimits = { limit: o.limit, timeoutMs: o.bodyTimeoutMs };
  const unheard = new Set<string>();
  const logRefusal = createRefusalLog(logger);
  if (options.events === undefined) warnOnUnheardNames(events, logger);
  // Deliveries in progress, and settlements still running after a handler timeout answered:
  // close() resolves once none is left.
  let running = 0;
  let closing = false;
  let closed: Promise<void> | undefined;
  let wakeClose = () => {};

  async function counted<T>(work: Promise<T>): Promise<T> {
    running++;
    try {
      return await work;
    } finally {
      if (--running === 0) wakeClose();
    }
  }

  function handle(request: WebhookRequest): Promise<HttpResponse> {
    if (!deliveryChannel.hasSubscribers) return answer(request, undefined);
    const trace: DeliveryTrace = {};
    return deliveryChannel.tracePromise(answer, trace, undefined, request, trace);
  }

  async function answer(request: WebhookRequest, trace: DeliveryTrace | undefined): Promise<HttpResponse> {
    try {
      const outcome: Outcome = closing ? { kind: 'closing' } : await counted(receive(request, trace));
      logRefusal(outcome, request);
      const response = toResponse(outcome, claimSeconds);
      if (trace) {
        trace.status = response.status;
        trace.outcome = String(response.body.status ?? response.body.error);
      }
      return response;
    } catch (error) {
      // Said here, through the app's logger: the fetch face and a bare node:http server have no error
      // handler of their own to show it, and answer a plain 500.
      const failure = toError(error);
      logger.error(
        { error: failure.message, stack: failure.stack },
        "the package failed on a delivery; answered 500 or passed to the framework's error handler",
      );
      throw error;
    }
  }

  async function receive(request: WebhookRequest, trace: DeliveryTrace | undefined): Promise<Outcome> {
    if (request.method !== 'POST') return { kind: 'method_not_allowed' };
    if (o.allowedIps && !o.allowedIps(request.ip)) return { kind: 'forbidden' };
    const auth = authenticate(request.headers);
    if (!auth.ok) return { kind: 'unauthorized', challenge: auth.challenge, credentials: auth.reason };

    const body = await readJsonBody(request.body, request.headers, bodyLimits);
    if (!body.ok) return { kind: body.reason };
    const checked = validate(body.value);
    if (!checked.valid) {
      if (trace && checked.event !== undefined) trace.event = checked.event;
      return { kind: 'invalid_payload', issues: checked.issues, event: checked.event };
    }
    const payload = checked.payload;
    if (trace) {
      trace.event = payload.event;
      trace.eventId = payload.body.eventId;
    }
    let key: string;
    try {
      key = dedupeKeyOf(payload);
    } catch {
      // Only a payload without eventId is hashed, and only absurd nesting makes that overflow the stack.
      return { kind: 'invalid_payload', issues: [{ path: '/body', message: 'must not nest this deeply' }] };
    }
    if (trace) trace.dedupeKey = key;

    const claim = await store.claim(key, o.leaseMs);
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
      case 'in_flight':
        logger.debug({ dedupeKey: key }, 'delivery of an event still being handled');
        return { kind: 'in_flight' };
      case 'claimed':
        return deliver(payload, key, claim.value.token);
    }
  }

  async function deliver(payload: IdwisePayload, key: string, token: string | undefined): Promise<Outcome> {
    const ctx = new ListenerContext(key, payload.body.eventId, token !== undefined);
    const run = runListeners(events, emitterEventsFor(payload), [payload, ctx]);
    // The timer bounds the listeners alone: a slow store is bounded by storeTimeoutMs.
    const first = await withTimeout(run, o.handlerTimeoutMs);
    if (first === TIMED_OUT) {
      ctx.abort(new Error(`handlerTimeoutMs (${o.handlerTimeoutMs} ms) passed`));
      logger.warn(
        { dedupeKey: key, event: payload.event },
        'listeners outlived handlerTimeoutMs; answered 503, the claim settles when they do (or expires at leaseMs)',
      );
      // The claim stays held until the listeners settle (the lease is not renewed), so a retry
      // meanwhile gets 409 rather than running them a second time at once.
      void counted(run.then((late) => settle(late, payload, ctx, token)));
      return { kind: 'handler_timeout' };
    }
    return (await settle(first, payload, ctx, token)) ? { kind: 'processed' } : { kind: 'handler_failed' };
  }

  /**
   * Records the outcome in the store, and answers whether the listeners succeeded. Never throws: it
   * may run after the answer was sent. A success is answered only once `complete` has settled, so
   * after a `200 processed` every instance sharing the store answers a redelivery `duplicate`.
   */
  async function settle(
    run: ListenerRun,
    payload: IdwisePayload,
    ctx: DeliveryContext,
    token: string | undefined,
  ): Promise<boolean> {
    const key = ctx.dedupeKey;
    if (!run.ok) {
      logger.error(
        { dedupeKey: key, event: payload.event, error: run.error.message },
        'a listener failed; answered non-200 so IDWise retries',
      );
      const reported = await runListeners(events, ['handlerError'], [run.error, payload, ctx]);
      if (!reported.ok)
        logger.error({ dedupeKey: key, error: reported.error.message }, 'a handlerError listener failed');
      if (token === undefined) return false;
      const released = await store.release(key, token);
      if (!released.ok)
        logger.error(
          { dedupeKey: key, error: released.error.message },
          'could not release the claim; a retry waits for leaseMs',
        );
      return false;
    }
    // Bounded: event names come from the sender, and one warning per name is all that is useful.
    if (run.listeners === 0 && !unheard.has(payload.event) && unheard.size < 100) {
      unheard.add(payload.event);
      logger.warn({ event: payload.event }, 'no listener for this event; it was acknowledged and dropped');
    }
    if (token === undefined) return true;
    const done = await store.complete(key, token, o.retentionMs);
    // The listeners did succeed, so the answer is 200 still; the claim simply expires after leaseMs.
    if (!done.ok)
      logger.error(
        { dedupeKey: key, error: done.error.message },
        'could not mark the event done; a later retry may run it again',
      );
    return true;
  }

  function close(): Promise<void> {
    closing = true;
    closed ??= running === 0 ? Promise.resolve() : new Promise((resolve) => (wakeClose = resolve));
    return closed;
  }

  return { events, path: o.path, handle, close };
}
