/**
 * What the fetch and Fastify faces do beyond the shared suite (faces.spec.ts): where they take the
 * path, the caller's address and the emitter from, and how they close.
 */
import { EventEmitter } from 'node:events';
import Fastify, { type FastifyServerOptions } from 'fastify';
import { describe, expect, it } from 'vitest';
import { fastifyIdwiseWebhooks } from '../../lib/http/fastify-plugin.js';
import { createFetchHandler, type IdwiseWebhooksOptions } from '../../lib/index.js';
import { buildEvent } from '../../lib/testing/index.js';
import { AUTH, AUTHORIZED, quiet } from '../support/fixtures.js';
import { heldListener } from '../support/held-listener.js';

const options: IdwiseWebhooksOptions = { auth: AUTH, logger: quiet };

function delivery(url = 'http://localhost/anywhere', headers: Record<string, string> = {}) {
  return new Request(url, {
    method: 'POST',
    headers: { ...AUTHORIZED, 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify(buildEvent('Finished Journey')),
  });
}

describe('createFetchHandler', () => {
  it('answers any path when no path is set, since a route file has chosen it already', async () => {
    const handler = createFetchHandler(options);
    const res = await handler(delivery('http://localhost/api/whatever/route'));
    expect([res.status, await res.json()]).toEqual([200, { status: 'processed' }]);
  });

  it('answers 404 to another path when path is set, and runs nothing', async () => {
    const handler = createFetchHandler({ ...options, path: '/hooks/idwise' });
    const heard: unknown[] = [];
    handler.events.on('webhook', (payload) => void heard.push(payload));

    const elsewhere = await handler(delivery('http://localhost/other'));
    const routed = await handler(delivery('http://localhost/hooks/idwise?x=1'));

    expect([elsewhere.status, await elsewhere.json()]).toEqual([404, { error: 'not_found' }]);
    expect(routed.status).toBe(200);
    expect(heard).toHaveLength(1);
  });

  it('checks allowedIps against info.ip, and refuses when the platform gave none', async () => {
    const handler = createFetchHandler({ ...options, allowedIps: ['203.0.113.0/24'] });
    expect((await handler(delivery(), { ip: '203.0.113.9' })).status).toBe(200);
    expect((await handler(delivery(), { ip: '198.51.100.1' })).status).toBe(403);
    expect((await handler(delivery())).status).toBe(403);
  });

  it('reads credentials through the Headers API, whatever their case', async () => {
    const handler = createFetchHandler({ ...options, auth: { type: 'header', name: 'X-IDWise-Secret', values: ['s3'] } });
    const headers = new Headers({ 'x-idwise-SECRET': 's3', 'Content-Type': 'application/json' });
    const res = await handler(
      new Request('http://localhost/', { method: 'POST', headers, body: JSON.stringify(buildEvent('Finished Journey')) }),
    );
    expect(res.status).toBe(200);
  });

  it('throws an error that names the fix when the body was already read', async () => {
    const handler = createFetchHandler(options);
    const request = delivery();
    await request.text();
    await expect(handler(request)).rejects.toThrow(/body was already read\. Pass the Request unread/);
  });

  it('answers a request without a body 400 invalid_json, and a GET 405', async () => {
    const handler = createFetchHandler(options);
    const empty = await handler(new Request('http://localhost/', { method: 'POST', headers: AUTHORIZED }));
    const get = await handler(new Request('http://localhost/', { headers: AUTHORIZED }));
    expect([empty.status, await empty.json()]).toEqual([400, { error: 'invalid_json' }]);
    expect([get.status, get.headers.get('allow')]).toEqual([405, 'POST']);
  });
});

describe('fastifyIdwiseWebhooks', () => {
  async function app(fastifyOptions: FastifyServerOptions, pluginOptions: Partial<IdwiseWebhooksOptions> = {}) {
    const fastify = Fastify(fastifyOptions);
    fastify.post('/api/echo', async (request) => ({ youSent: request.body }));
    await fastify.register(fastifyIdwiseWebhooks, { ...options, ...pluginOptions });
    return fastify;
  }
  const post = (fastify: Awaited<ReturnType<typeof app>>, headers: Record<string, string> = {}, url = '/webhooks/idwise') =>
    fastify.inject({
      method: 'POST',
      url,
      headers: { ...AUTHORIZED, 'content-type': 'application/json', ...headers },
      payload: JSON.stringify(buildEvent('Finished Journey')),
    });

  it("leaves the app's own JSON parser as it was", async () => {
    const fastify = await app({});
    const res = await fastify.inject({ method: 'POST', url: '/api/echo', payload: { hello: 'world' } });
    expect(res.json()).toEqual({ youSent: { hello: 'world' } });
    expect((await post(fastify)).json()).toEqual({ status: 'processed' });
  });

  it("honours the app's trustProxy for allowedIps", async () => {
    const allowed = { allowedIps: ['203.0.113.0/24'] };
    const forwarded = { 'x-forwarded-for': '203.0.113.7' };
    expect((await post(await app({ trustProxy: true }, allowed), forwarded)).statusCode).toBe(200);
    // Without trustProxy the header is ignored: the caller is inject()'s own address.
    expect((await post(await app({}, allowed), forwarded)).statusCode).toBe(403);
  });

  it('emits on options.events when given, and exposes it as app.idwiseWebhooks.events', async () => {
    const bus = new EventEmitter();
    const heard: string[] = [];
    bus.on('journeyCompleted', (payload: { event: string }) => void heard.push(payload.event));
    const fastify = await app({}, { events: bus });

    await post(fastify);

    expect(fastify.idwiseWebhooks.events).toBe(bus);
    expect(heard).toEqual(['Finished Journey']);
  });

  it("serves under the register option's prefix, and takes Fastify's other register options", async () => {
    const fastify = Fastify();
    await fastify.register(fastifyIdwiseWebhooks, { ...options, prefix: '/hooks', logLevel: 'warn' });
    expect((await post(fastify, {}, '/hooks/webhooks/idwise')).statusCode).toBe(200);
    expect((await post(fastify)).statusCode).toBe(404);
  });

  it('closes with the app: app.close() waits for the delivery in progress', async () => {
    const fastify = await app({});
    const held = heldListener();
    fastify.idwiseWebhooks.events.on('journeyCompleted', held.listener);
    const answer = post(fastify);
    const running = await held.call(0);

    let closed = false;
    const closing = fastify.close().then(() => (closed = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(closed).toBe(false);
    running.finish();
    await closing;

    expect((await answer).json()).toEqual({ status: 'processed' });
  });
});
