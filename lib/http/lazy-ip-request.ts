import type { IncomingHttpHeaders } from 'node:http';
import type { RequestBody } from '../body.js';
import type { WebhookRequest } from '../pipeline.js';

/**
 * A request as the pipeline reads it, whose caller's address is worked out only when read: Express
 * and Fastify compute it from X-Forwarded-For on every read, and only `allowedIps` and a refusal's
 * log line need it. A class rather than an object literal with a getter, which V8 builds with a slow
 * runtime call on every request: on Express that measurably raised the cost of every delivery.
 */
export class LazyIpRequest implements WebhookRequest {
  constructor(
    readonly method: string,
    readonly headers: IncomingHttpHeaders,
    readonly body: RequestBody,
    private readonly address: () => string | undefined,
  ) {}

  get ip(): string | undefined {
    return this.address();
  }
}
