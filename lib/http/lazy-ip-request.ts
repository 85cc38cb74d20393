import type { IncomingHttpHeaders } from 'node:http';
import type { RequestBody } from '../body.js';
import type { WebhookRequest } from '../pipeline.js';

/**
 * A request whose caller's address is worked out only when read (Express and Fastify parse
 * X-Forwarded-For on each read). A class: V8 builds an object literal with a getter slowly.
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
