/**
 * What only a raw TCP client can send: a Content-Length that lies, framing that conflicts, header
 * bytes an HTTP client library refuses to write, a body that trickles in, a connection cut halfway.
 * Answers come from the package or, for a message that is not valid HTTP, from node's parser (400):
 * either way a documented status, no listener, no claim, and the event still processed afterwards.
 */
import type { Socket } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEvent } from '../../lib/testing/index.js';
import { deferred } from '../support/deferred.js';
import {
  AUTHORIZED,
  DOCUMENTED,
  expectNothingHappenedSince,
  FUZZ_SEED,
  rawExchange,
  requestHead,
  startFuzzServer,
  type FuzzServer,
} from './fuzz-server.js';

const BODY_TIMEOUT_MS = 250;
const LIMIT = 4096;
const run = <T>(property: fc.IAsyncProperty<T>, numRuns: number) => fc.assert(property, { seed: FUZZ_SEED, numRuns });
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));
const write = (socket: Socket, data: string | Buffer) => new Promise<void>((done) => socket.write(data, () => done()));

let server: FuzzServer;
beforeAll(async () => {
  console.log(`[fuzz] raw-http: fast-check seed ${FUZZ_SEED} (set FUZZ_SEED to change it)`);
  server = await startFuzzServer({ options: { bodyTimeoutMs: BODY_TIMEOUT_MS, limit: LIMIT } });
});
afterAll(async () => {
  // Resolves only once nothing is in flight: no cut or trickling request left a delivery hanging.
  await server.close();
});

/** After a refusal, the same event delivered properly is processed: the refusal claimed nothing. */
async function expectProcessedAfterwards(payload: object) {
  const mark = server.mark();
  const answer = await server.request(JSON.stringify(payload), { ...AUTHORIZED, 'content-type': 'application/json' });
  expect(JSON.parse(answer.text)).toEqual({ status: 'processed' });
  expect(server.heard.slice(mark.heard).filter((h) => h.name === 'webhook')).toHaveLength(1);
}

describe('a Content-Length that does not match the body', () => {
  it('refuses a body shorter than its Content-Length once the sender stops, running nothing', async () => {
    await run(
      fc.asyncProperty(fc.integer({ min: 1, max: 200 }), fc.boolean(), async (missing, halfClose) => {
        const payload = buildEvent('Finished Journey');
        const text = JSON.stringify(payload);
        const mark = server.mark();
        const { responses } = await rawExchange(
          server.port,
          async (socket) => {
            await write(socket, requestHead(server.path, { 'Content-Length': text.length + missing }) + text);
            if (halfClose) socket.end();
          },
          BODY_TIMEOUT_MS + 1_000,
        );
        // Half-closed: node's parser answers 400 for the truncated message. Held open: bodyTimeoutMs does.
        expect(responses.map((r) => r.status)).toEqual([400]);
        if (!halfClose) expect(responses[0]).toMatchObject({ body: '{"error":"body_timeout"}' });
        expectNothingHappenedSince(server, mark);
        await expectProcessedAfterwards(payload);
      }),
      8,
    );
  });

  it('reads exactly Content-Length bytes: a longer body is cut there and the rest is not a request', async () => {
    await run(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 80 }),
        fc.uint8Array({ minLength: 1, maxLength: 60 }),
        async (short, extra) => {
          const payload = buildEvent('Finished Journey');
          const text = Buffer.from(JSON.stringify(payload));
          const mark = server.mark();
          const { responses } = await rawExchange(server.port, async (socket) => {
            await write(socket, requestHead(server.path, { 'Content-Length': text.length - short }));
            await write(socket, Buffer.concat([text, Buffer.from(extra)]));
            socket.end();
          });
          // A prefix of a JSON object is never a JSON object: refused, by the package or node's parser.
          expect(responses.length).toBeGreaterThan(0);
          for (const r of responses) expect([400, 405]).toContain(r.status);
          expectNothingHappenedSince(server, mark);
          await expectProcessedAfterwards(payload);
        },
      ),
      40,
    );
  });

  it('handles a body that matches its Content-Length once, even when bytes that are not HTTP follow it on the connection', async () => {
    await run(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 60 }), async (garbage) => {
        const payload = buildEvent('Manually Reviewed');
        const text = JSON.stringify(payload);
        const mark = server.mark();
        const { responses } = await rawExchange(server.port, async (socket) => {
          await write(socket, requestHead(server.path, { 'Content-Length': Buffer.byteLength(text) }) + text);
          await write(socket, Buffer.from(garbage));
          socket.end();
        });
        // Node's parser may reject the garbage and close the connection before the first answer is
        // written: then the sender saw no 200 and retries, and the retry must not run the listener again.
        for (const r of responses) expect(DOCUMENTED).toContain(r.status);
        if (responses[0]?.status !== 200) {
          // 409 while the first delivery may still be settling; then 200, as IDWise's next retry would get.
          const retry = () => server.request(text, { ...AUTHORIZED, 'content-type': 'application/json' });
          await expect.poll(async () => (await retry()).status, { timeout: 2_000, interval: 10 }).toBe(200);
        }
        expect(server.heard.slice(mark.heard).filter((h) => h.name === 'webhook')).toHaveLength(1);
      }),
      40,
    );
  });

  it('refuses Content-Length together with Transfer-Encoding, or two different Content-Lengths (request smuggling)', async () => {
    const payload = buildEvent('Finished Journey');
    const text = JSON.stringify(payload);
    for (const headers of [
      { 'Content-Length': 5, 'Transfer-Encoding': 'chunked' },
      { 'Transfer-Encoding': 'chunked', 'Content-Length': text.length },
    ]) {
      const mark = server.mark();
      const { responses } = await rawExchange(server.port, async (socket) => {
        await write(socket, requestHead(server.path, headers) + `${text.length.toString(16)}\r\n${text}\r\n0\r\n\r\n`);
        socket.end();
      });
      expect(responses.map((r) => r.status)).toEqual([400]);
      expectNothingHappenedSince(server, mark);
    }
    const mark = server.mark();
    const { responses } = await rawExchange(server.port, async (socket) => {
      const head = requestHead(server.path, { 'Content-Length': text.length });
      await write(socket, head.replace('\r\n\r\n', `\r\nContent-Length: ${text.length - 3}\r\n\r\n`) + text);
      socket.end();
    });
    expect(responses.map((r) => r.status)).toEqual([400]);
    expectNothingHappenedSince(server, mark);
    await expectProcessedAfterwards(payload);
  });
});

describe('chunked bodies', () => {
  it('processes a valid body however it is split into chunks, and answers 413 once the chunks pass limit', async () => {
    await run(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 30 }),
        fc.boolean(),
        async (sizes, oversize) => {
          const payload = buildEvent('AML Monitor Update', oversize ? { body: { padding: 'x'.repeat(LIMIT) } } : {});
          const text = Buffer.from(JSON.stringify(payload));
          const mark = server.mark();
          const { responses } = await rawExchange(server.port, async (socket) => {
            await write(socket, requestHead(server.path, { 'Transfer-Encoding': 'chunked', Connection: 'close' }));
            for (let at = 0, i = 0; at < text.length; i++) {
              const chunk = text.subarray(at, at + sizes[i % sizes.length]!);
              at += chunk.length;
              await write(
                socket,
                Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]),
              );
            }
            await write(socket, '0\r\n\r\n');
          });
          expect(responses[0]?.status).toBe(oversize ? 413 : 200);
          if (oversize) expectNothingHappenedSince(server, mark);
          else expect(server.heard.slice(mark.heard).filter((h) => h.name === 'webhook')).toHaveLength(1);
        },
      ),
      30,
    );
  });
});

describe('a body sent slowly', () => {
  it('answers 400 body_timeout once bodyTimeoutMs has passed, however slowly bytes keep coming, and closes the connection', async () => {
    const payload = buildEvent('Finished Journey');
    const text = JSON.stringify(payload);
    const mark = server.mark();
    const started = Date.now();
    let stop = false;
    const { responses, closedByServer } = await rawExchange(
      server.port,
      async (socket) => {
        await write(socket, requestHead(server.path, { 'Content-Length': text.length }));
        // One byte every 20 ms: never idle for long, yet the whole body would take ~2 s.
        for (const char of text) {
          if (stop || socket.destroyed) return;
          await write(socket, char);
          await sleep(20);
        }
      },
      BODY_TIMEOUT_MS + 2_000,
    );
    stop = true;
    expect(responses).toEqual([expect.objectContaining({ status: 400, body: '{"error":"body_timeout"}' })]);
    expect(responses[0]!.headers.connection).toBe('close');
    expect(closedByServer).toBe(true);
    expect(Date.now() - started).toBeLessThan(BODY_TIMEOUT_MS + 1_500);
    expectNothingHappenedSince(server, mark);
    await expectProcessedAfterwards(payload);
  });
});

describe('an aborted request', () => {
  it('runs nothing and claims nothing when the connection is cut before the body is complete', async () => {
    await run(
      fc.asyncProperty(fc.nat(), async (cutAt) => {
        const payload = buildEvent('Finished User Steps');
        const text = JSON.stringify(payload);
        const mark = server.mark();
        await rawExchange(server.port, async (socket) => {
          await write(
            socket,
            requestHead(server.path, { 'Content-Length': text.length }) + text.slice(0, cutAt % text.length),
          );
          socket.resetAndDestroy();
        });
        await expectProcessedAfterwards(payload);
        // One claim in all, the valid delivery's: the cut request claimed nothing.
        expect(server.claims.slice(mark.claims)).toHaveLength(1);
      }),
      30,
    );
  });

  it('finishes a delivery whose sender hung up while its listener ran: the retry is a duplicate, the listener ran once', async () => {
    const payload = buildEvent('Finished Journey');
    const text = JSON.stringify(payload);
    const entered = deferred();
    const release = deferred();
    const hold = async (p: { body: { eventId?: string } }) => {
      if (p.body.eventId !== payload.body.eventId) return;
      entered.resolve();
      await release.promise;
    };
    server.webhooks.events.on('journeyCompleted', hold);
    try {
      const mark = server.mark();
      const exchange = rawExchange(server.port, async (socket) => {
        await write(socket, requestHead(server.path, { 'Content-Length': text.length }) + text);
        await entered.promise;
        socket.resetAndDestroy();
      });
      await exchange;
      release.resolve();
      // The retry IDWise sends after the cut: once the listener settles, the claim is done.
      await expect
        .poll(
          async () =>
            JSON.parse((await server.request(text, { ...AUTHORIZED, 'content-type': 'application/json' })).text),
          { timeout: 2_000, interval: 20 },
        )
        .toEqual({ status: 'duplicate' });
      expect(server.heard.slice(mark.heard).filter((h) => h.name === 'webhook')).toHaveLength(1);
    } finally {
      server.webhooks.events.off('journeyCompleted', hold);
    }
  });
});

describe('header bytes an HTTP library would not write', () => {
  const GOOD = AUTHORIZED.authorization;
  const line = fc.oneof(
    fc.constantFrom(
      `Authorization: ${GOOD}`,
      'Authorization: Bearer wrong',
      `authorization: ${GOOD.toUpperCase()}`,
      `Authorization:${GOOD}`,
      `Authorization: ${GOOD} trailing`,
      'Content-Type: application/json',
      'Content-Type: text/plain',
      'Content-Type: application/json; charset=utf-16',
      ' folded-continuation',
      'X-Forwarded-For: 10.0.0.1, 203.0.113.7',
      'Expect: 100-continue',
      'Content-Encoding: gzip',
    ),
    fc
      .tuple(
        fc.string({
          unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)),
          minLength: 1,
          maxLength: 12,
        }),
        fc.uint8Array({ maxLength: 30 }),
      )
      .map(([name, value]) => `${name}: ${Buffer.from(value).toString('latin1')}`),
  );

  it('answers every combination with documented statuses, and runs a listener only for a 200', async () => {
    await run(
      fc.asyncProperty(fc.array(line, { maxLength: 6 }), async (lines) => {
        const payload = buildEvent('Finished Journey');
        const text = JSON.stringify(payload);
        const head =
          `POST ${server.path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: ${Buffer.byteLength(text)}\r\n` +
          lines.map((l) => `${l}\r\n`).join('') +
          '\r\n';
        const mark = server.mark();
        const { responses } = await rawExchange(
          server.port,
          async (socket) => {
            await write(socket, Buffer.from(head + text, 'latin1'));
            socket.end();
          },
          BODY_TIMEOUT_MS + 1_000,
        );
        // `Expect: 100-continue` earns node's interim 100 before the final answer.
        const final = responses.filter((r) => r.status >= 200);
        expect(final.length).toBeGreaterThan(0);
        for (const r of final) expect(DOCUMENTED).toContain(r.status);
        const processed = final.filter((r) => r.status === 200).length;
        expect(server.heard.slice(mark.heard).filter((h) => h.name === 'webhook')).toHaveLength(processed);
        if (processed === 0) expectNothingHappenedSince(server, mark);
      }),
      150,
    );
  });
});
