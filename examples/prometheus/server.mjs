// An Express app receiving IDWise webhooks, with Prometheus metrics of every delivery on /metrics.
//   IDWISE_WEBHOOK_TOKEN=dev-token node examples/prometheus/server.mjs   (PORT=0 picks a free port)
import express from 'express';
import { idwiseWebhooks } from 'idwise-webhooks';
import { Registry } from 'prom-client';
import { collectDeliveryMetrics } from './metrics.mjs';

const registry = new Registry();
collectDeliveryMetrics(registry);

const webhooks = idwiseWebhooks({ auth: { type: 'bearer', tokens: [process.env.IDWISE_WEBHOOK_TOKEN] } });
webhooks.events.on('journeyCompleted', async (payload) => {
  console.log(`journey ${payload.body.journeyId} finished: ${payload.body.systemDecision}`);
});

const app = express();
app.use(webhooks); // POST /webhooks/idwise
app.get('/metrics', async (_req, res) => {
  res.type(registry.contentType).send(await registry.metrics());
});
const server = app.listen(Number(process.env.PORT ?? 3000), () => {
  const base = `http://localhost:${server.address().port}`;
  console.log(`ready on ${base}/webhooks/idwise, metrics on ${base}/metrics`);
});

process.once('SIGTERM', async () => {
  await webhooks.close(); // finish deliveries in progress, so no claim is left to expire
  server.close();
});
