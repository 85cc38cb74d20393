// Serves examples/basic on PORT (default 3000): POST /webhooks/idwise with `Authorization: Bearer $IDWISE_WEBHOOK_TOKEN`.
import { createApp } from './app.mjs';

const token = process.env.IDWISE_WEBHOOK_TOKEN;
if (!token) {
  console.error('Set IDWISE_WEBHOOK_TOKEN to the bearer token configured in IDWise, e.g. IDWISE_WEBHOOK_TOKEN=dev-token node examples/basic/server.mjs');
  process.exit(2);
}
const { app, webhooks } = createApp({ token });
const port = Number(process.env.PORT ?? 3000);
const server = app.listen(port, '127.0.0.1', () => console.log(`Listening on http://127.0.0.1:${port}/webhooks/idwise`));

// On shutdown, finish deliveries in progress so no claim is left to expire.
process.once('SIGTERM', async () => {
  await webhooks.close();
  server.close();
});
