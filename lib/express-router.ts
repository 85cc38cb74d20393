/**
 * The Express face: matches the route, reads the request into the pipeline, writes its answer.
 *
 * It does not import express. Matching one fixed path needs no router, and not importing means
 * no second copy of express beside the app's, no tie to Express 4 or 5, and no need for
 * `@types/express` in the user's project: the type below is structural over node:http.
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { RequestBody } from './body.js';
import type { IdwiseEventEmitter } from './events.js';
import type { IdwiseWebhooksOptions } from './options.js';
import { createPipeline, type WebhookRequest } from './pipeline.js';
import { requestBody } from './request-body.js';
import { pathname, routeMatcher } from './request-path.js';
import { writeResponse } from './write-response.js';

type Next = (error?: unknown) => void;

/** What Express adds to node's request and this face reads. */
interface ExpressRequest extends IncomingMessage {
  /** Path relative to where the router is mounted. */
  path?: string;
  /** Client address; honours the app's `trust proxy` setting. */
  ip?: string;
  body?: unknown;
}

/** Mount with `app.use(webhooks)`. Also a plain `(req, res, next)` middleware for connect-style servers. */
export interface IdwiseWebhooksRouter {
  (req: IncomingMessage, res: ServerResponse, next: Next): void;
  /** Subscribe here: `webhooks.events.on('journeyCompleted', async (payload, ctx) => { ... })`. */
  readonly events: IdwiseEventEmitter;
  /** Stop accepting (503), wait for deliveries in progress and their store updates, then resolve. */
  close(): Promise<void>;
}

export function idwiseWebhooks(options: IdwiseWebhooksOptions): IdwiseWebhooksRouter {
  const pipeline = createPipeline(options);
  const isRoute = routeMatcher(pipeline.path);
  const middleware = (req: ExpressRequest, res: ServerResponse, next: Next) => {
    if (!isRoute(req.path ?? pathname(req.url))) return next();
    pipeline
      .handle(new ExpressWebhookRequest(req))
      .then((response) => writeResponse(res, response))
      // Express 4 does not catch rejected promises; pass any unexpected error on explicitly.
      .catch(next);
  };
  return Object.assign(middleware, { events: pipeline.events, close: pipeline.close }) as IdwiseWebhooksRouter;
}

/**
 * The pipeline's view of an Express request. `ip` is a getter because Express computes `req.ip`
 * on every read (proxy-addr over X-Forwarded-For, per the app's `trust proxy`), and the pipeline
 * needs it only for `allowedIps` or to log a refusal: an accepted delivery without an allowlist
 * never pays for it.
 */
class ExpressWebhookRequest implements WebhookRequest {
  readonly method: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: RequestBody;
  readonly #req: ExpressRequest;

  constructor(req: ExpressRequest) {
    this.#req = req;
    this.method = req.method ?? 'GET';
    this.headers = req.headers;
    this.body = requestBody(req);
  }

  get ip(): string | undefined {
    return this.#req.ip ?? this.#req.socket.remoteAddress;
  }
}
