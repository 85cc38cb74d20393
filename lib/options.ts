/**
 * Options, checked once at construction: a mistake throws here, at startup, with the option's
 * name, what it got (its type, never its value: it may be a secret) and an example that works.
 */
import { EventEmitter } from 'node:events';
import bytes from 'bytes';
import type { AuthOption } from './auth.js';
import { resolveAuth } from './auth-options.js';
import { EXAMPLE_AUTH, fail, refuseUnknownKeys } from './option-error.js';
import { IdwiseEventEmitter } from './emitter.js';
import { isAddressOrRange, parseAllowlist, type IpAllowlist } from './ip-allowlist.js';
import { consoleLogger, guardedLogger, type Logger } from './logger.js';
import type { DedupeStore } from './stores/dedupe-store.js';
import { MemoryDedupeStore } from './stores/memory-store.js';

export interface IdwiseWebhooksOptions {
  /** How IDWise authenticates, as set in its dashboard. Required; `{ type: 'none' }` must be explicit. */
  auth: AuthOption;
  /** Route path. Default `/webhooks/idwise`. */
  path?: string;
  /** Where dedupe state lives. Default: a new `MemoryDedupeStore()` (one process only). */
  store?: DedupeStore;
  /** How long a claim lives before another attempt may take over. Default 60 000. */
  leaseMs?: number;
  /** How long a handled event is remembered. Default 24 h. */
  retentionMs?: number;
  /** Body size cap, bytes or a string like `'64kb'`. Default `'64kb'`. */
  limit?: number | string;
  /** Listeners still running after this answer 503 and see `ctx.signal` abort. Default 25 000; below `leaseMs`. */
  handlerTimeoutMs?: number;
  /** A store call slower than this counts as a store failure. Default 5 000. */
  storeTimeoutMs?: number;
  /** A body still arriving after this is refused. Default 10 000. */
  bodyTimeoutMs?: number;
  /** When the store fails: `'reject'` (503, default) or `'process'` (run listeners without dedupe). */
  storeFailure?: 'reject' | 'process';
  /** Only these addresses or CIDR ranges may call (IPv4 and IPv6). Default: any. */
  allowedIps?: string[];
  /** pino-compatible `{ debug, info, warn, error }`. Default: warnings and errors to the console. */
  logger?: Logger;
  /** Emit on this emitter (the app's own bus) instead of a new one. */
  events?: EventEmitter;
}

// Node's timers clamp a longer delay to 1 ms: a huge value meant as "never" would fire at once.
const MAX_TIMER_MS = 2_147_483_647;

function positiveInteger(options: Record<string, unknown>, name: string, fallback: number): number {
  const value = options[name] ?? fallback;
  if (!Number.isSafeInteger(value) || (value as number) <= 0 || (value as number) > MAX_TIMER_MS) {
    fail(name, value, `a positive integer of milliseconds, at most ${MAX_TIMER_MS}`, `${name}: ${fallback}`);
  }
  return value as number;
}

function hasMethods(value: unknown, names: readonly string[]): boolean {
  const methods = value as Record<string, unknown>;
  return typeof value === 'object' && value !== null && names.every((name) => typeof methods[name] === 'function');
}

const OPTION_NAMES: readonly (keyof IdwiseWebhooksOptions)[] = [
  'auth',
  'path',
  'store',
  'leaseMs',
  'retentionMs',
  'limit',
  'handlerTimeoutMs',
  'storeTimeoutMs',
  'bodyTimeoutMs',
  'storeFailure',
  'allowedIps',
  'logger',
  'events',
];

// A size `bytes` reads completely: '64kb', '1.5 mb', '100'. It would read '64 kilobytes' as 64 bytes.
const SIZE = /^\d+(\.\d+)? *(b|kb|mb|gb)?$/i;

export function resolveOptions(input: IdwiseWebhooksOptions) {
  if (typeof input !== 'object' || input === null) fail('options', input, 'an object', EXAMPLE_AUTH);
  const o = input as unknown as Record<string, unknown>;
  refuseUnknownKeys('', o, OPTION_NAMES, EXAMPLE_AUTH);
  const auth = resolveAuth(o.auth);

  const path = o.path ?? '/webhooks/idwise';
  if (typeof path !== 'string' || !path.startsWith('/'))
    fail('path', path, 'a string starting with "/"', "path: '/webhooks/idwise'");

  const store = o.store ?? new MemoryDedupeStore();
  if (!hasMethods(store, ['claim', 'complete', 'release']))
    fail('store', store, 'a DedupeStore with claim, complete and release methods', 'store: new MemoryDedupeStore()');

  const leaseMs = positiveInteger(o, 'leaseMs', 60_000);
  const retentionMs = positiveInteger(o, 'retentionMs', 24 * 60 * 60_000);
  const handlerTimeoutMs = positiveInteger(
    o,
    'handlerTimeoutMs',
    Math.max(1, Math.min(25_000, Math.floor(leaseMs / 2))),
  );
  const storeTimeoutMs = positiveInteger(o, 'storeTimeoutMs', 5_000);
  const bodyTimeoutMs = positiveInteger(o, 'bodyTimeoutMs', 10_000);
  // A claim must outlive the listeners it guards, or a retry could run them a second time concurrently.
  if (handlerTimeoutMs >= leaseMs) {
    // With handlerTimeoutMs left to its default (half the lease), only a lease under 2 ms gets here.
    if (o.handlerTimeoutMs === undefined)
      fail('leaseMs', leaseMs, 'at least 2 (it must outlast handlerTimeoutMs)', 'leaseMs: 60000');
    fail('handlerTimeoutMs', handlerTimeoutMs, `below leaseMs (${leaseMs})`, `leaseMs: 60000, handlerTimeoutMs: 25000`);
  }

  const rawLimit = o.limit ?? '64kb';
  const limit =
    typeof rawLimit === 'number' || (typeof rawLimit === 'string' && SIZE.test(rawLimit.trim()))
      ? bytes.parse(rawLimit)
      : null;
  if (limit === null || !Number.isSafeInteger(limit) || limit <= 0)
    fail('limit', rawLimit, "a positive byte count or a size like '64kb' (units b, kb, mb, gb)", "limit: '64kb'");

  const storeFailure = o.storeFailure ?? 'reject';
  if (storeFailure !== 'reject' && storeFailure !== 'process')
    fail('storeFailure', storeFailure, "'reject' or 'process'", "storeFailure: 'reject'");

  let allowedIps: IpAllowlist | undefined;
  if (o.allowedIps !== undefined) {
    const example = "allowedIps: ['203.0.113.0/24', '2001:db8::/32']";
    if (!Array.isArray(o.allowedIps))
      fail('allowedIps', o.allowedIps, 'an array of IP addresses or CIDR ranges', example);
    o.allowedIps.forEach((entry: unknown, i) => {
      if (typeof entry !== 'string' || !isAddressOrRange(entry))
        fail(`allowedIps[${i}]`, entry, 'an IPv4 or IPv6 address or CIDR range', example);
    });
    allowedIps = parseAllowlist(o.allowedIps as string[]);
  }

  const given = o.logger ?? consoleLogger;
  if (!hasMethods(given, ['debug', 'info', 'warn', 'error']))
    fail('logger', given, 'an object with debug, info, warn and error methods (pino works)', 'logger: pino()');
  const logger = guardedLogger(given as Logger);

  const events = o.events ?? new IdwiseEventEmitter();
  if (!(events instanceof EventEmitter)) fail('events', events, 'an EventEmitter', 'events: new EventEmitter()');

  if (auth.type === 'none' && auth.allowInProduction) {
    logger.warn({ option: 'auth' }, "auth { type: 'none' } is on: anyone who can reach this route can post webhooks");
  }

  return {
    auth,
    path,
    store: store as DedupeStore,
    leaseMs,
    retentionMs,
    limit,
    handlerTimeoutMs,
    storeTimeoutMs,
    bodyTimeoutMs,
    storeFailure,
    allowedIps,
    logger,
    events: events as IdwiseEventEmitter,
  };
}
