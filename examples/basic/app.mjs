// The quick start as an app: Express, the embedded memory store, bearer auth, and listeners
// that log each decision. `server.mjs` serves it; `demo.mjs` drives it with sample deliveries.
import express from 'express';
import { idwiseWebhooks } from 'idwise-webhooks';

export function createApp({ token, log = console.log }) {
  const app = express();
  const webhooks = idwiseWebhooks({ auth: { type: 'bearer', tokens: [token] } });

  webhooks.events.on('journeyCompleted', async (payload, ctx) => {
    const { journeyId, systemDecision, referenceNo } = payload.body;
    // A stand-in for a downstream call that fails once, to show IDWise's retry being honoured.
    if (referenceNo === 'flaky-crm' && !seenFailures.has(ctx.dedupeKey)) {
      seenFailures.add(ctx.dedupeKey);
      throw new Error('CRM unavailable');
    }
    log(`  listener journeyCompleted: journey ${journeyId} finished, system decision ${systemDecision}`);
  });
  webhooks.events.on('manualReview', async (payload) => {
    log(`  listener manualReview: journey ${payload.body.journeyId} reviewed, final decision ${payload.body.finalDecision}`);
  });
  webhooks.events.on('amlUpdate', async (payload) => {
    const { journeyId, previousSystemDecision, systemDecision, updatedAMLVersionNumber } = payload.body;
    log(`  listener amlUpdate: journey ${journeyId} AML v${updatedAMLVersionNumber}: ${previousSystemDecision} -> ${systemDecision}`);
  });
  webhooks.events.on('handlerError', (error, payload) => {
    log(`  handlerError: ${payload.event} failed (${error.message}); answered 500 so IDWise retries`);
  });

  const seenFailures = new Set();
  app.use(webhooks);
  return { app, webhooks };
}
