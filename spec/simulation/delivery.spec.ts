/**
 * IDWise's delivery, simulated end to end: thousands of events sent by a sender that behaves like
 * IDWise (only 200 counts, retries on a compressed 5/10/15-minute schedule, some attempts sent
 * twice at once) to an app whose listeners throw, stall and outlive handlerTimeoutMs and whose
 * store is slow or refuses, all decided by a fixed seed per (event, attempt).
 *
 * The final attempt of each event carries no injected fault and arrives after every claim an
 * earlier attempt could have left has settled or expired (see SIMULATION in chaos.mjs). So an
 * event is lost only if the package loses it: by answering 200 before a listener succeeded, by
 * completing a claim whose listener failed, or by leaving a claim held with nobody to settle it.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import express from 'express';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { idwiseWebhooks, MemoryDedupeStore } from '../../lib/index.js';
import {
  countingLogger,
  DELIVERY_HEADER,
  formatDelivery,
  routeOf,
  sendsTwice,
  simulationApp,
  SIMULATION,
} from './chaos.mjs';
import { IdwiseSender, type DeliveryReport, type IdwiseSenderOptions } from './idwise-sender.js';
import { simulatedEvents, type SimulatedEvent } from './simulated-events.js';

const SEED = Number(process.env.SIMULATION_SEED ?? 0x1d315e);
const TOKEN = 'simulation-token-5b1e';
/** Events start this far apart, so load stays steady instead of arriving as one burst. */
const SPACING_MS = 2;

const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

/** The only answers a well-formed, authenticated delivery may get. */
const ALLOWED_ANSWERS = new Set([
  '200 processed',
  '200 duplicate',
  '409 in_flight',
  '500 handler_failed',
  '503 handler_timeout',
  '503 store_unavailable',
]);

interface Figures {
  title: string;
  events: number;
  requests: number;
  deliveredOnAttempt: number[];
  undelivered: number;
  exactlyOnce: number;
  lost: number;
  handledMoreThanOnce: number;
  answers: Map<string, number>;
  seconds: number;
  maxLoopDelayMs: number;
  extra?: string[];
}

function figures(
  title: string,
  events: SimulatedEvent[],
  reports: DeliveryReport[],
  handledTimes: (key: string) => number,
  sender: IdwiseSender,
  seconds: number,
  maxLoopDelayMs: number,
): Figures {
  const deliveredOnAttempt = SIMULATION.retryDelaysMs.map(() => 0).concat(0);
  for (const report of reports) if (report.delivered) deliveredOnAttempt[report.attempts - 1]! += 1;
  const times = events.map((event) => handledTimes(event.key));
  return {
    title,
    events: events.length,
    requests: reports.reduce((sum, r) => sum + r.requests, 0),
    deliveredOnAttempt,
    undelivered: reports.filter((r) => !r.delivered).length,
    exactlyOnce: times.filter((n) => n === 1).length,
    lost: times.filter((n) => n === 0).length,
    handledMoreThanOnce: times.filter((n) => n > 1).length,
    answers: sender.answers,
    seconds,
    maxLoopDelayMs,
  };
}

function print(f: Figures): void {
  const answers = [...f.answers].sort(([a], [b]) => a.localeCompare(b)).map(([label, n]) => `${label}: ${n}`);
  console.log(
    [
      `[simulation] ${f.title}`,
      `  seed ${SEED} (0x${SEED.toString(16)}; set SIMULATION_SEED to change it), ${f.seconds.toFixed(1)} s, max event-loop delay ${f.maxLoopDelayMs.toFixed(0)} ms`,
      `  events sent: ${f.events} in ${f.requests} HTTP requests; retry budget ${SIMULATION.retryDelaysMs.length + 1} attempts, delays ${SIMULATION.retryDelaysMs.join('/')} ms`,
      `  delivered (a 200 read) on attempt 1..${f.deliveredOnAttempt.length}: ${f.deliveredOnAttempt.join(' / ')}; sender gave up on: ${f.undelivered}`,
      `  listener succeeded exactly once: ${f.exactlyOnce}; lost (never succeeded): ${f.lost}; handled more than once: ${f.handledMoreThanOnce}`,
      `  answers: ${answers.join(', ')}`,
      ...(f.extra ?? []),
    ].join('\n'),
  );
}

function senderFor(
  target: (index: number, attempt: number, copy: number, final: boolean) => string,
  extra: Partial<IdwiseSenderOptions> = {},
) {
  return new IdwiseSender({
    retryDelaysMs: SIMULATION.retryDelaysMs,
    target: (r) => target(r.index, r.attempt, r.copy, r.final),
    headers: (r) => ({ authorization: `Bearer ${TOKEN}`, [DELIVERY_HEADER]: formatDelivery(r) }),
    // The final attempt is never doubled: its single answer is the package's alone.
    sendTwice: (index, attempt, final) => !final && sendsTwice(SEED, index, attempt),
    // Far beyond any answer the package gives here (at most storeTimeoutMs + handlerTimeoutMs + storeTimeoutMs).
    requestTimeoutMs: 10_000,
    ...extra,
  });
}

/** Starts every event SPACING_MS after the one before; resolves with each event's delivery. */
async function sendAll(
  sender: IdwiseSender,
  events: SimulatedEvent[],
  onStart: (index: number) => void = () => {},
): Promise<{ reports: DeliveryReport[]; seconds: number; maxLoopDelayMs: number }> {
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const started = performance.now();
  const reports = await Promise.all(
    events.map(async (event) => {
      await sleep(event.index * SPACING_MS);
      onStart(event.index);
      return sender.deliver(event.index, event.payload);
    }),
  );
  loop.disable();
  return { reports, seconds: (performance.now() - started) / 1000, maxLoopDelayMs: loop.max / 1e6 };
}

describe('IDWise delivery simulation', () => {
  it('loses no event and handles none twice on the memory store while listeners throw, stall and outlive handlerTimeoutMs and the store is slow', async () => {
    const events = simulatedEvents(3000, SEED);
    const handled = new Map<string, number>();
    const { counts, logger } = countingLogger();
    const { app, webhooks } = simulationApp({
      express,
      idwiseWebhooks,
      store: new MemoryDedupeStore(),
      seed: SEED,
      token: TOKEN,
      record: (key, phase) => phase === 'ok' && handled.set(key, (handled.get(key) ?? 0) + 1),
      logger,
    });
    const server = http.createServer(app);
    await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/idwise`;

    // A 200 tells IDWise to forget the event, so at that moment its listener must already have succeeded.
    const earlyOks: string[] = [];
    const sender = senderFor(() => url, {
      onAnswer: (r, answer) => {
        if (answer === 200 && !handled.get(events[r.index]!.key)) earlyOks.push(events[r.index]!.key);
      },
    });
    try {
      const { reports, seconds, maxLoopDelayMs } = await sendAll(sender, events);
      // Listeners that outlived handlerTimeoutMs settle their claims now.
      await webhooks.close();
      const f = figures(
        'memory store, one process',
        events,
        reports,
        (key) => handled.get(key) ?? 0,
        sender,
        seconds,
        maxLoopDelayMs,
      );
      f.extra = [`  logged: ${[...counts].map(([message, n]) => `${n}× ${message}`).join('; ')}`];
      print(f);

      expect(earlyOks).toEqual([]);
      expect(f.lost).toBe(0);
      expect(f.undelivered).toBe(0);
      expect(f.handledMoreThanOnce).toBe(0);
      expect(f.exactlyOnce).toBe(events.length);
      expect([...f.answers.keys()].filter((label) => !ALLOWED_ANSWERS.has(label))).toEqual([]);
      // The faults really happened: every non-200 path was taken, many times.
      for (const label of ALLOWED_ANSWERS) expect(f.answers.get(label) ?? 0, label).toBeGreaterThan(20);
    } finally {
      sender.close();
      server.closeAllConnections();
      await new Promise((done) => server.close(done));
    }
  }, 60_000);
});

const REDIS_URL = process.env.REDIS_URL;

describe.skipIf(!REDIS_URL)('IDWise delivery simulation across two processes sharing Redis', () => {
  const prefix = `idwise-sim:${randomBytes(6).toString('hex')}:`;
  const children: ChildProcess[] = [];
  let redis: Redis | undefined;

  afterAll(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    if (!redis) return;
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
    redis.disconnect();
  });

  async function startInstance(): Promise<{ child: ChildProcess; url: string }> {
    const child = fork(resolve(import.meta.dirname, 'simulation-instance.mjs'), {
      env: { ...process.env, REDIS_URL, PREFIX: prefix, SEED: String(SEED), TOKEN },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    children.push(child);
    const port = await new Promise<number>((ready, failed) => {
      child.on('message', (m: { type: string; port?: number }) => m.type === 'ready' && ready(m.port!));
      child.once('exit', (code) => failed(new Error(`simulation instance exited with ${code} before it was ready`)));
    });
    return { child, url: `http://127.0.0.1:${port}/webhooks/idwise` };
  }

  function closeInstance(child: ChildProcess): Promise<Record<string, number>> {
    return new Promise((closed) => {
      child.on(
        'message',
        (m: { type: string; logs?: Record<string, number> }) => m.type === 'closed' && closed(m.logs!),
      );
      child.send({ type: 'close' });
    });
  }

  it('loses no event when one of two processes is killed mid-listener; only an event the killed process had handled but not yet settled may run twice', async () => {
    redis = new Redis(REDIS_URL!);
    const events = simulatedEvents(1500, SEED ^ 0x2);
    const [doomed, survivor] = await Promise.all([startInstance(), startInstance()]);
    const armAt = Math.floor(events.length * 0.4);
    let armed = false;
    let killed = false;
    // Killed once the run is well under way, at a moment one of its listeners has 100 ms or more to go.
    doomed.child.on('message', (m: { type: string }) => {
      if (m.type !== 'long-listener' || !armed || killed) return;
      killed = true;
      doomed.child.kill('SIGKILL');
    });

    // A load balancer spreads attempts over both; a double send lands on both at once. Once the
    // doomed process is gone its health check fails and everything goes to the survivor, and the
    // final attempt always does: a request the kill cuts is a failed attempt, and only a final one
    // cut that way would be lost by the sender, not by the package.
    const sender = senderFor((index, attempt, copy, final) => {
      if (killed || final) return survivor.url;
      return [doomed, survivor][routeOf(SEED, index, attempt, copy)]!.url;
    });
    try {
      const { reports, seconds, maxLoopDelayMs } = await sendAll(sender, events, (index) => {
        if (index === armAt) armed = true;
      });
      const survivorLogs = await closeInstance(survivor.child);
      expect(killed).toBe(true);

      const pipeline = redis.pipeline();
      for (const event of events) pipeline.lrange(`${prefix}calls:${event.key}`, 0, -1);
      const calls = (await pipeline.exec())!.map(([error, entries]) => {
        if (error) throw error;
        return (entries as string[]).map((entry) => entry.split(':') as [pid: string, phase: string]);
      });
      const pids = { doomed: String(doomed.child.pid), survivor: String(survivor.child.pid) };
      const count = (i: number, pid: string, phase: string) =>
        calls[i]!.filter(([p, ph]) => p === pid && ph === phase).length;
      const okBy = (i: number) => calls[i]!.filter(([, phase]) => phase === 'ok').map(([pid]) => pid);

      const handledByDoomed = events.filter((e) => count(e.index, pids.doomed, 'ok') > 0);
      // Calls the kill cut short: started in the doomed process, never ended there.
      const cut = events.filter(
        (e) =>
          count(e.index, pids.doomed, 'start') >
          count(e.index, pids.doomed, 'ok') + count(e.index, pids.doomed, 'threw'),
      );
      const twice = events.filter((e) => okBy(e.index).length > 1);
      const f = figures(
        `Redis store, two processes, one SIGKILLed mid-listener after ${armAt} of ${events.length} events had started`,
        events,
        reports,
        (key) => okBy(events.findIndex((e) => e.key === key)).length,
        sender,
        seconds,
        maxLoopDelayMs,
      );
      f.extra = [
        `  the killed process handled ${handledByDoomed.length} events before it died; the kill cut ${cut.length} listener calls short, and the survivor then ran each to success; handled twice (the killed process succeeded but died before its claim was settled): ${twice.length}`,
        `  survivor logged: ${Object.entries(survivorLogs)
          .map(([message, n]) => `${n}× ${message}`)
          .join('; ')}`,
      ];
      print(f);

      expect(f.lost).toBe(0);
      expect(f.undelivered).toBe(0);
      expect(handledByDoomed.length).toBeGreaterThan(0);
      // The kill landed mid-listener, and its cut requests were failed attempts, retried like any other.
      expect(cut.length).toBeGreaterThan(0);
      for (const e of cut) expect(okBy(e.index)).toContain(pids.survivor);
      expect(f.answers.get('connection-error') ?? 0).toBeGreaterThan(0);
      expect(
        [...f.answers.keys()].filter((label) => !ALLOWED_ANSWERS.has(label) && label !== 'connection-error'),
      ).toEqual([]);
      // At-least-once, bounded: an event succeeds twice only when the killed process ran it to success
      // and died before its claim was settled; the survivor then ran it once more, after the lease.
      for (const e of twice)
        expect({ key: e.key, ok: okBy(e.index) }).toEqual({ key: e.key, ok: [pids.doomed, pids.survivor] });
      expect(f.exactlyOnce + twice.length).toBe(events.length);
    } finally {
      sender.close();
    }
  }, 60_000);
});
