import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { createNodeHandler, idwiseWebhooks, type AuthOption } from '../../lib/index.js';
import { buildEvent, deliver } from '../../lib/testing/index.js';
import { quiet } from '../support/fixtures.js';

/** A bare listener that answers with what it received, to see exactly what deliver sends. */
function echo(req: IncomingMessage, res: ServerResponse): void {
  let text = '';
  req.setEncoding('utf8');
  req.on('data', (chunk: string) => (text += chunk));
  req.on('end', () => {
    res.writeHead(201, { 'content-type': 'application/json', 'x-seen': 'yes' });
    res.end(JSON.stringify({ method: req.method, url: req.url, headers: req.headers, text }));
  });
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

async function listen(listener: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  const server = createServer(listener);
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('deliver', () => {
  it('delivers to an Express app with the bearer token from the same auth option, and the app handles it', async () => {
    const auth: AuthOption = { type: 'bearer', tokens: ['t0ken', 'next-t0ken'] };
    const app = express();
    const webhooks = idwiseWebhooks({ auth, logger: quiet });
    const heard: string[] = [];
    webhooks.events.on('journeyCompleted', (payload) => void heard.push(payload.body.journeyId));
    app.use(webhooks);
    const payload = buildEvent('Finished Journey');

    const first = await deliver(app, payload, { auth });
    const again = await deliver(app, payload, { auth });

    expect(first).toMatchObject({ status: 200, body: { status: 'processed' } });
    expect(first.headers['content-type']).toMatch(/^application\/json/);
    expect(again).toMatchObject({ status: 200, body: { status: 'duplicate' } });
    expect(heard).toEqual([payload.body.journeyId]);
  });

  it('delivers to a node:http handler, and without credentials gets the 401 IDWise would', async () => {
    const handler = createNodeHandler({ auth: { type: 'bearer', tokens: ['t0ken'] }, logger: quiet });
    const answer = await deliver(handler, buildEvent('Finished Journey'));
    expect(answer).toMatchObject({ status: 401, body: { error: 'unauthorized' } });
    expect(answer.headers['www-authenticate']).toMatch(/^Bearer/);
  });

  it('posts to the path option on an app target, /webhooks/idwise by default', async () => {
    const byDefault = await deliver(echo, { a: 1 });
    const custom = await deliver(echo, { a: 1 }, { path: '/hooks/idwise?x=1' });
    expect(byDefault.body).toMatchObject({ method: 'POST', url: '/webhooks/idwise' });
    expect(custom.body).toMatchObject({ url: '/hooks/idwise?x=1' });
  });

  it('delivers to a URL and returns status, parsed JSON body and lower-cased headers', async () => {
    const base = await listen(echo);
    const answer = await deliver(`${base}/webhooks/idwise`, { event: 'Finished Journey', body: {} });
    expect(answer.status).toBe(201);
    expect(answer.headers['x-seen']).toBe('yes');
    expect(answer.body).toMatchObject({
      method: 'POST',
      url: '/webhooks/idwise',
      headers: { 'content-type': 'application/json' },
      text: '{"event":"Finished Journey","body":{}}',
    });
  });

  it('delivers to a URL served by the package itself', async () => {
    const auth: AuthOption = { type: 'header', name: 'X-IDWise-Secret', values: ['s3cret'] };
    const base = await listen(createNodeHandler({ auth, logger: quiet }));
    const answer = await deliver(new URL('/webhooks/idwise', base), buildEvent('AML Monitor Update'), { auth });
    expect(answer).toMatchObject({ status: 200, body: { status: 'processed' } });
  });

  it.each<[string, AuthOption, Record<string, string>]>([
    ['bearer', { type: 'bearer', tokens: ['first', 'second'] }, { authorization: 'Bearer first' }],
    [
      'basic',
      { type: 'basic', credentials: [{ username: 'idwise', password: 'pa:ss' }] },
      { authorization: `Basic ${Buffer.from('idwise:pa:ss').toString('base64')}` },
    ],
    ['header', { type: 'header', name: 'X-IDWise-Secret', values: ['s3cret'] }, { 'x-idwise-secret': 's3cret' }],
  ])('sends the first %s credential of an auth option', async (_, auth, expected) => {
    const answer = await deliver(echo, {}, { auth });
    expect((answer.body as { headers: Record<string, string> }).headers).toMatchObject(expected);
  });

  it('sends no credential for auth none, and raw headers as given, winning over its own', async () => {
    const answer = await deliver(echo, 'not json', {
      auth: { type: 'none' },
      headers: { 'Content-Type': 'text/plain', 'X-Trace': 'abc' },
      method: 'PUT',
    });
    const seen = answer.body as { method: string; headers: Record<string, string>; text: string };
    expect(seen.method).toBe('PUT');
    expect(seen.headers).not.toHaveProperty('authorization');
    expect(seen.headers).toMatchObject({ 'content-type': 'text/plain', 'x-trace': 'abc' });
    expect(seen.text).toBe('not json');
  });

  it('returns a body that is not JSON as text', async () => {
    const answer = await deliver((_req, res) => res.end('plain words'), {});
    expect(answer).toMatchObject({ status: 200, body: 'plain words' });
  });

  it('closes the server it started for an app target', async () => {
    let server: Server | undefined;
    const app = (req: IncomingMessage, res: ServerResponse) => {
      server = (req.socket as unknown as { server: Server }).server;
      res.end();
    };
    await deliver(app, {});
    expect(server?.listening).toBe(false);
  });

  it('refuses a target that is neither an app nor an absolute http(s) URL, with an example', async () => {
    await expect(deliver('localhost:3000/webhooks/idwise', {})).rejects.toThrow(/absolute http\(s\) URL, e\.g\./);
    await expect(deliver('/webhooks/idwise', {})).rejects.toThrow(/absolute http\(s\) URL/);
  });

  it('refuses a header value with a line break or NUL from either option, without quoting it', async () => {
    const secret = 'line\nbreak-s3cret';
    const fromAuth = deliver('http://127.0.0.1:1/x', {}, { auth: { type: 'bearer', tokens: [secret] } });
    const fromHeaders = deliver('http://127.0.0.1:1/x', {}, { headers: { 'x-idwise-secret': 'nul\0s3cret' } });
    for (const attempt of [fromAuth, fromHeaders]) {
      const error = await attempt.catch((caught: Error) => caught);
      expect(error).toBeInstanceOf(TypeError);
      expect((error as Error).message).toMatch(/line break or NUL/);
      expect((error as Error).message).not.toMatch(/s3cret/);
    }
  });

  it('refuses a path option with a URL target', async () => {
    await expect(deliver('http://127.0.0.1:1/x', {}, { path: '/y' })).rejects.toThrow(/put the path in the URL/);
  });

  it('gives up after timeoutMs when no answer comes', async () => {
    const base = await listen(() => {});
    await expect(deliver(base, {}, { timeoutMs: 100 })).rejects.toMatchObject({ name: 'TimeoutError' });
  });
});
