/**
 * The Express face: matches the route, reads the request into the pipeline, writes its answer.
 *
 * It does not import express. Matching one fixed path needs no router, and not importing means
 * no second copy of express beside the app's, no tie to Express 4 or 5, and no need for
 * `@types/express` in the user's project: the type below is structural over node:http.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { IdwiseEventEmitter } from '../emitter.js';
import type { IdwiseWebhooksOptions } from '../options.js';
import { createPipeline } from '../pipeline.js';
import { LazyIpRequest } from './lazy-ip-request.js';
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
      .handle(
        new LazyIpRequest(req.method ?? 'GET', req.headers, requestBody(req), () => req.ip ?? req.socket.remoteAddress),
      )
      .then((response) => writeResponse(res, response))
      // Express 4 does not catch rejected promises; pass any unexpected error on explicitly.
      .catch(next);
  };
  return Object.assign(middleware, { events: pipeline.events, close: pipeline.close }) as IdwiseWebhooksRouter;
}
