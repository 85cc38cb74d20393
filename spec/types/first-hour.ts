/**
 * A TypeScript user's first file: the README's quick start, then the typos a user makes. The repo's
 * type-check reads it against lib/; spec/types/type-matrix.spec.ts compiles it against the packed
 * package (the import of lib/ becomes 'idwise-webhooks') with each TypeScript, @types/node and module
 * setting users have. Each `@ts-expect-error` promises that the line below it does not compile.
 */
import { createServer } from 'node:http';
import { idwiseWebhooks, type DeliveryContext, type IdwisePayload } from '../../lib/index.js';

const webhooks = idwiseWebhooks({ auth: { type: 'bearer', tokens: [process.env.IDWISE_WEBHOOK_TOKEN] } });

webhooks.events.on('journeyCompleted', async (payload, ctx) => {
  const journeyId: string = payload.body.journeyId;
  const dedupeKey: string = ctx.dedupeKey;
  console.log(`journey ${journeyId} finished: ${payload.body.systemDecision} (${dedupeKey})`);
});
const onReview = (payload: IdwisePayload) => console.log(`journey ${payload.body.journeyId} reviewed`);
webhooks.events.once('manualReview', onReview);
webhooks.events.off('manualReview', onReview);

createServer((req, res) => webhooks(req, res, () => res.writeHead(404).end())).listen(Number(process.env.PORT ?? 3000));

// Each misuse below would be valid with the name spelt right, so the name is what the error is about.
declare const payload: IdwisePayload;
declare const ctx: DeliveryContext;
webhooks.events.emit('webhook', payload, ctx);
webhooks.events.listenerCount('journeyCompleted');

// @ts-expect-error 'journeyComplete' is not an event: 'journeyCompleted' is
webhooks.events.on('journeyComplete', () => {});
// @ts-expect-error 'manualReveiw' is not an event: 'manualReview' is
webhooks.events.off('manualReveiw', onReview);
// @ts-expect-error 'amlUpdat' is not an event: 'amlUpdate' is
webhooks.events.once('amlUpdat', () => {});
// @ts-expect-error 'webhok' is not an event: 'webhook' is
webhooks.events.emit('webhok', payload, ctx);
// @ts-expect-error 'journeyComplet' is not an event: 'journeyCompleted' is
webhooks.events.listenerCount('journeyComplet');
