/**
 * The target of the fuzz specs: a real Express app on 127.0.0.1 with the webhooks mounted, a store
 * that records every claim, listeners on every emitter event that record what they receive, and two
 * clients: a keep-alive HTTP client for speed, and a raw TCP one that writes any bytes at any pace.
 */
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { expect } from 'vitest';
import {
  idwiseWebhooks,
  MemoryDedupeStore,
  type DedupeStore,
  type IdwiseEventName,
  type IdwiseWebhooksOptions,
  type IdwiseWebhooksRouter,
} from '../../lib/index.js';
import { RecordingLogger } from '../support/recording-logger.js';
import { DELIVERY_EVENTS } from '../support/fixtures.js';

export const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? 0x1d3f22);
export const TOKEN = 'fuzz-token-c41b9e';
export const AUTHORIZED = { authorization: `Bearer ${TOKEN}` } as const;

/** Every status the package documents; anything else is a bug (or, for a malformed HTTP message, node's own parser). */
export const DOCUMENTED = new Set([200, 400, 401, 403, 405, 409, 413, 415, 500, 503]);

const LISTENED: IdwiseEventName[] = [...DELIVERY_EVENTS, 'handlerError'];

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

export interface FuzzServer {
  readonly port: number;
  readonly path: string;
  readonly webhooks: IdwiseWebhooksRouter;
  /** Every listener call, in order: the emitter event and the payload it received. */
  readonly heard: { name: IdwiseEventName; payload: unknown }[];
  /** Every key the store was asked to claim. */
  readonly claims: string[];
  readonly logger: RecordingLogger;
  /** POST (or another method) over a keep-alive connection; `body` goes out byte for byte. */
  request(body: string | Buffer, headers?: Record<string, string>, method?: string): Promise<Answer>;
  /** Marks the current counts, so `expectNothingHappenedSince` can tell what a request changed. */
  mark(): { heard: number; claims: number };
  close(): Promise<void>;
}

export interface FuzzServerSetup {
  options?: Partial<IdwiseWebhooksOptions>;
  /** Mount express.json() before the webhooks, as many host apps do. */
  jsonParser?: boolean;
  trustProxy?: boolean | string;
}

export async function startFuzzServer(setup: FuzzServerSetup = {}): Promise<FuzzServer> {
  const logger = new RecordingLogger();
  const claims: string[] = [];
  const memory = new MemoryDedupeStore();
  const store: DedupeStore = {
    claim: (key, leaseMs) => (claims.push(key), memory.claim(key, leaseMs)),
    complete: (key, token, retentionMs) => memory.complete(key, token, retentionMs),
    release: (key, token) => memory.release(key, token),
  };
  const webhooks = idwiseWebhooks({
    auth: { type: 'bearer', tokens: [TOKEN] },
    logger,
    store,
    ...setup.options,
  });
  const heard: FuzzServer['heard'] = [];
  for (const name of LISTENED) {
    webhooks.events.on(name, (...args: unknown[]) => {
      heard.push({ name, payload: name === 'handlerError' ? args[1] : args[0] });
    });
  }
  const app = express();
  if (setup.trustProxy !== undefined) app.set('trust proxy', setup.trustProxy);
  if (setup.jsonParser) app.use(express.json());
  app.use(webhooks);

  const server = http.createServer(app);
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  const port = (server.address() as AddressInfo).port;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  const path = setup.options?.path ?? '/webhooks/idwise';

  return {
    port,
    path,
    webhooks,
    heard,
    claims,
    logger,
    request: (body, headers = AUTHORIZED, method = 'POST') =>
      new Promise((resolve, reject) => {
        const length = { 'content-length': String(Buffer.byteLength(body)) };
        const req = http.request({ host: '127.0.0.1', port, path, method, agent, headers: { ...length, ...headers } });
        req.on('error', reject);
        req.on('response', (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () =>
            resolve({ status: res.statusCode!, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }),
          );
        });
        req.end(body);
      }),
    mark: () => ({ heard: heard.length, claims: claims.length }),
    async close() {
      agent.destroy();
      await webhooks.close();
      server.closeAllConnections();
      await new Promise((done) => server.close(done));
    },
  };
}

/** A refused request ran no listener and claimed no key. */
export function expectNothingHappenedSince(server: FuzzServer, mark: { heard: number; claims: number }): void {
  expect(server.heard.slice(mark.heard)).toEqual([]);
  expect(server.claims.slice(mark.claims)).toEqual([]);
}

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface RawExchange {
  responses: RawResponse[];
  /** The server closed the connection (rather than the exchange timing out with it open). */
  closedByServer: boolean;
}

/**
 * Writes whatever `write` writes on a fresh TCP connection, then collects every HTTP response the
 * server sends until it closes the connection or `waitMs` passes.
 */
export function rawExchange(
  port: number,
  write: (socket: net.Socket) => void | Promise<void>,
  waitMs = 2_000,
): Promise<RawExchange> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let closedByServer = false;
    const finish = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ responses: parseResponses(Buffer.concat(chunks)), closedByServer });
    };
    const timer = setTimeout(finish, waitMs);
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('end', () => {
      closedByServer = true;
      finish();
    });
    socket.on('close', finish);
    socket.on('error', () => {});
    socket.once('connect', () => {
      Promise.resolve(write(socket)).catch(reject);
    });
  });
}

function parseResponses(data: Buffer): RawResponse[] {
  const responses: RawResponse[] = [];
  let rest = data;
  for (;;) {
    const end = rest.indexOf('\r\n\r\n');
    if (end < 0) return responses;
    const [statusLine, ...lines] = rest.subarray(0, end).toString('latin1').split('\r\n');
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const length = Number(headers['content-length'] ?? 0);
    const body = rest.subarray(end + 4, end + 4 + length).toString('utf8');
    responses.push({ status: Number(statusLine!.split(' ')[1]), headers, body });
    rest = rest.subarray(end + 4 + length);
  }
}

/** The request head for a raw write: POST to the route, with credentials and whatever else is given. */
export function requestHead(path: string, headers: Record<string, string | number>): string {
  const lines = Object.entries({ Host: '127.0.0.1', ...AUTHORIZED, ...headers }).map(([k, v]) => `${k}: ${v}`);
  return `POST ${path} HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n`;
}
