import express from 'express';
import { idwiseWebhooks } from 'idwise-webhooks';

const app = express();
const webhooks = idwiseWebhooks({ auth: { type: 'bearer', tokens: [process.env.IDWISE_WEBHOOK_TOKEN] } });

webhooks.events.on('journeyCompleted', async (payload, ctx) => {
  console.log(`journey ${payload.body.journeyId} finished: ${payload.body.systemDecision} (${ctx.dedupeKey})`);
});
webhooks.events.on('manualReview', async (payload) => {
  console.log(`journey ${payload.body.journeyId} reviewed: ${payload.body.finalDecision}`);
});

app.use(webhooks); // POST /webhooks/idwise
const port = process.env.PORT ?? 3000;
app.listen(port, () => console.log(`ready on http://localhost:${port}/webhooks/idwise`));
