/** The Express face: reads the request into the pipeline and writes its answer. Nothing else. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Router, type Request, type Response } from 'express';
import type { IdwiseEventEmitter } from './events.js';
import type { IdwiseWebhooksOptions } from './options.js';
import { createPipeline } from './pipeline.js';
import { requestBody } from './request-body.js';

/**
 * Mount with `app.use()`. Typed structurally over node:http so that it fits Express 4 and 5 and
 * does not require `@types/express` in the user's project.
 */
export interface IdwiseWebhooksRouter {
  (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void): void;
  /** Subscribe here: `webhooks.events.on('journeyCompleted', async (payload, ctx) => { ... })`. */
  readonly events: IdwiseEventEmitter;
  /** Stop accepting (503), wait for deliveries in progress and their store updates, then resolve. */
  close(): Promise<void>;
}

export function idwiseWebhooks(options: IdwiseWebhooksOptions): IdwiseWebhooksRouter {
  const pipeline = createPipeline(options);
  const router = Router();
  router.all(pipeline.path, (req: Request, res: Response, next: (error?: unknown) => void) => {
    // Express 4 does not catch a rejected promise; hand any (unexpected) error to next() explicitly.
    pipeline
      .handle({ method: req.method, headers: req.headers, ip: req.ip, body: requestBody(req) })
      .then(({ status, headers, body }) => {
        res.status(status).set(headers).json(body);
      })
      .catch(next);
  });
  return Object.assign(router, { events: pipeline.events, close: pipeline.close }) as unknown as IdwiseWebhooksRouter;
}
