// A Hono app on Node (@hono/node-server) receiving IDWise webhooks through the fetch handler.
//   IDWISE_WEBHOOK_TOKEN=dev-token node examples/hono/server.mjs   (PORT=0 picks a free port)
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { createFetchHandler } from 'idwise-webhooks';

const webhooks = createFetchHandler({ auth: { type: 'bearer', tokens: [process.env.IDWISE_WEBHOOK_TOKEN] } });
webhooks.events.on('journeyCompleted', async (payload, ctx) => {
  console.log(`journey ${payload.body.journeyId} finished: ${payload.body.systemDecision} (${ctx.dedupeKey})`);
});

const app = new Hono();
// Hand over the raw Request, unread; on Node, the caller's address is on the incoming message.
app.all('/webhooks/idwise', (c) => webhooks(c.req.raw, { ip: c.env.incoming.socket.remoteAddress }));
app.get('/health', (c) => c.json({ ok: true }));

const server = serve({ fetch: app.fetch, port: Number(process.env.PORT ?? 3000), hostname: '127.0.0.1' }, (info) => {
  console.log(`ready on http://127.0.0.1:${info.port}/webhooks/idwise`);
});

process.once('SIGTERM', async () => {
  await webhooks.close(); // finish deliveries in progress, so no claim is left to expire
  server.close();
});
