// A Fastify app receiving IDWise webhooks beside its own JSON routes.
//   IDWISE_WEBHOOK_TOKEN=dev-token node examples/fastify/server.mjs   (PORT=0 picks a free port)
import Fastify from 'fastify';
import { fastifyIdwiseWebhooks } from 'idwise-webhooks/fastify';

const app = Fastify();

// The plugin's route has a content-type parser of its own: the app's JSON parser is unchanged.
app.post('/api/echo', async (request) => ({ youSent: request.body }));

await app.register(fastifyIdwiseWebhooks, {
  auth: { type: 'bearer', tokens: [process.env.IDWISE_WEBHOOK_TOKEN] },
}); // POST /webhooks/idwise

app.idwiseWebhooks.events.on('journeyCompleted', async (payload, ctx) => {
  console.log(`journey ${payload.body.journeyId} finished: ${payload.body.systemDecision} (${ctx.dedupeKey})`);
});

const address = await app.listen({ port: Number(process.env.PORT ?? 3000), host: '127.0.0.1' });
console.log(`ready on ${address}/webhooks/idwise`);

// app.close() also closes the webhooks: deliveries in progress finish first.
process.once('SIGTERM', () => app.close());
