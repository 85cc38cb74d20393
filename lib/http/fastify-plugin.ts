/**
 * The Fastify face, `idwise-webhooks/fastify`: `await app.register(fastifyIdwiseWebhooks, options)`.
 * The route lives in a context of its own, whose only content-type parser hands the body over
 * unread: the pipeline reads it under `limit`, and the app's own JSON parser is left as it is.
 */
import type { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest, RegisterOptions } from 'fastify';
import type { IdwiseWebhooksOptions } from '../options.js';
import { createPipeline, type WebhookLifecycle } from '../pipeline.js';
import { LazyIpRequest } from './lazy-ip-request.js';
import { wireOf } from './write-response.js';

/** What the plugin decorates the app with, as `app.idwiseWebhooks`. The app's close() calls its close(). */
export type IdwiseWebhooksDecoration = WebhookLifecycle;

declare module 'fastify' {
  interface FastifyInstance {
    idwiseWebhooks: IdwiseWebhooksDecoration;
  }
}

/** The package's options, plus Fastify's own register options, which apply to the route. */
export type FastifyIdwiseWebhooksOptions = IdwiseWebhooksOptions & RegisterOptions;

async function plugin(app: FastifyInstance, options: FastifyIdwiseWebhooksOptions): Promise<void> {
  const { prefix, logLevel, logSerializers, ...webhookOptions } = options;
  const pipeline = createPipeline(webhookOptions);
  app.decorate('idwiseWebhooks', { events: pipeline.events, close: pipeline.close });
  app.addHook('onClose', () => pipeline.close());

  await app.register(
    async (route) => {
      route.removeAllContentTypeParsers();
      route.addContentTypeParser('*', (_request, body, done) => done(null, body));
      // Every method, so that a GET is answered 405 with `Allow: POST`; one trailing slash, as elsewhere.
      const handler = async (request: FastifyRequest, reply: FastifyReply) => {
        // A request without a body skips the parser: its raw stream is then simply empty.
        const body = { stream: (request.body as Readable | undefined) ?? request.raw };
        // Fastify's request.ip honours its trustProxy setting.
        const response = await pipeline.handle(
          new LazyIpRequest(request.method, request.headers, body, () => request.ip),
        );
        const { status, headers, text } = wireOf(response);
        reply.code(status).headers(headers);
        return text;
      };
      route.all(pipeline.path, handler);
      route.all(`${pipeline.path}/`, handler);
    },
    { prefix, logLevel, logSerializers },
  );
}

// Fastify's own marker (what fastify-plugin sets): the decoration and the onClose hook belong to
// the app that registers the plugin, not to a context of their own.
Object.assign(plugin, { [Symbol.for('skip-override')]: true, [Symbol.for('fastify.display-name')]: 'idwise-webhooks' });

export const fastifyIdwiseWebhooks = plugin;
