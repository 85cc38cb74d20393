// Serves createFetchHandler on the runtime running this file (Bun or Deno), with that runtime's
// own server and its own way of giving the caller's address, then prints `ready <port>`.
// Usage: bun serve-fetch.mjs <token>   |   deno run -A serve-fetch.mjs <token>
/* global Bun, Deno */
import { createFetchHandler } from '../../dist/esm/index.js';

const token = (globalThis.Deno?.args ?? process.argv.slice(2))[0];
const heard = [];
const webhooks = createFetchHandler({
  auth: { type: 'bearer', tokens: [token] },
  allowedIps: ['127.0.0.1', '::1'],
  logger: { debug() {}, info() {}, warn() {}, error() {} },
});
webhooks.events.on('journeyCompleted', async (payload) => {
  heard.push(payload.body.eventId);
});

// GET /heard answers what the listener saw, so the spec can count the runs.
async function serve(request, ip) {
  if (new URL(request.url).pathname === '/heard') return Response.json(heard);
  return webhooks(request, { ip });
}

if (globalThis.Bun) {
  const server = Bun.serve({
    port: 0,
    hostname: '127.0.0.1',
    fetch: (request, server) => serve(request, server.requestIP(request)?.address),
  });
  console.log(`ready ${server.port}`);
} else {
  Deno.serve(
    { port: 0, hostname: '127.0.0.1', onListen: ({ port }) => console.log(`ready ${port}`) },
    (request, info) => serve(request, info.remoteAddr.hostname),
  );
}
