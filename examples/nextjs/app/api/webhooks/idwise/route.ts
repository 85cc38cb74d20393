// POST /api/webhooks/idwise: IDWise's deliveries, through the fetch handler.
import { createFetchHandler } from 'idwise-webhooks';

const webhooks = createFetchHandler({ auth: { type: 'bearer', tokens: [process.env.IDWISE_WEBHOOK_TOKEN] } });

webhooks.events.on('journeyCompleted', async (payload, ctx) => {
  console.log(`journey ${payload.body.journeyId} finished: ${payload.body.systemDecision} (${ctx.dedupeKey})`);
});

// The body is read here as a stream, under the package's own size limit.
export const POST = (request: Request) => webhooks(request);
