/**
 * A Fastify user's first file: the registration docs/serving.md shows, then the typos a user makes. Like
 * first-hour.ts, the repo's type-check reads it against lib/ and spec/types/type-matrix.spec.ts
 * compiles it against the packed package, where the import of lib/ becomes 'idwise-webhooks/fastify'.
 */
import Fastify from 'fastify';
import { fastifyIdwiseWebhooks } from '../../lib/http/fastify-plugin.js';

const app = Fastify();
void app.register(fastifyIdwiseWebhooks, {
  auth: { type: 'bearer', tokens: [process.env.IDWISE_WEBHOOK_TOKEN] },
  prefix: '/hooks',
});

// The decoration is typed on every FastifyInstance once the plugin is imported.
app.idwiseWebhooks.events.on('journeyCompleted', async (payload, ctx) => {
  const journeyId: string = payload.body.journeyId;
  console.log(`journey ${journeyId} finished: ${payload.body.systemDecision} (${ctx.dedupeKey})`);
});

// @ts-expect-error 'journeyComplete' is not an event: 'journeyCompleted' is
app.idwiseWebhooks.events.on('journeyComplete', () => {});
// @ts-expect-error 'paht' is not an option: 'path' is
void app.register(fastifyIdwiseWebhooks, { auth: { type: 'none' }, paht: '/webhooks/idwise' });
// @ts-expect-error `auth` is required
void app.register(fastifyIdwiseWebhooks, { prefix: '/hooks' });
