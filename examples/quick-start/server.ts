import express from 'express';
import { idwiseWebhooks, type DeliveryContext, type FinishedJourneyPayload } from 'idwise-webhooks';

const app = express();
const webhooks = idwiseWebhooks({ auth: { type: 'bearer', tokens: [process.env.IDWISE_WEBHOOK_TOKEN] } });

async function journeyCompleted(payload: FinishedJourneyPayload, ctx: DeliveryContext): Promise<void> {
  console.log(`journey ${payload.body.journeyId} finished: ${payload.body.systemDecision} (${ctx.dedupeKey})`);
}
webhooks.events.on('journeyCompleted', journeyCompleted);
webhooks.events.on('manualReview', async (payload) => {
  // payload is typed from the event name: Manually Reviewed, or Updated Journey with action 'Manual Review'.
  console.log(`journey ${payload.body.journeyId} reviewed: ${payload.body.finalDecision}`);
});

app.use(webhooks); // POST /webhooks/idwise
const port = Number(process.env.PORT ?? 3000);
app.listen(port, () => console.log(`ready on http://localhost:${port}/webhooks/idwise`));
