/**
 * Options, checked once at construction: a mistake throws here, at startup, with the option's
 * name, what it got (its type, never its value: it may be a secret) and an example that works.
 */
import { EventEmitter } from 'node:events';
import bytes from 'bytes';
import type { AuthOption } from './auth.js';
import { describeValue } from './describe-value.js';
import { IdwiseEventEmitter } from './emitter.js';
import { parseAllowlist, type IpAllowlist } from './ip-allowlist.js';
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

export interface ResolvedOptions {
  auth: AuthOption;
  path: string;
  store: DedupeStore;
  leaseMs: number;
  retentionMs: number;
  limit: number;
  handlerTimeoutMs: number;
  storeTimeoutMs: number;
  bodyTimeoutMs: number;
  storeFailure: 'reject' | 'process';
  allowedIps: IpAllowlist | undefined;
  logger: Logger;
  events: IdwiseEventEmitter;
}

const EXAMPLE_AUTH = "auth: { type: 'bearer', tokens: [process.env.IDWISE_WEBHOOK_TOKEN] }";

export class OptionsError extends TypeError {
  override name = 'IdwiseWebhooksOptionsError';
}

function fail(option: string, got: unknown, expected: string, example: string): never {
  throw new OptionsError(
    `idwiseWebhooks: option "${option}" must be ${expected}, got ${describeValue(got)}. Example: idwiseWebhooks({ ${example} })`,
  );
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

function secret(option: string, value: unknown, example: string): string {
  if (typeof value !== 'string' || value === '') {
    fail(option, value, 'a non-empty string (is the environment variable set?)', example);
  }
  if (value.trim() !== value) {
    fail(option, value, 'free of leading or trailing whitespace (a stray newline from a secrets file?)', example);
  }
  return value;
}

function secrets(option: string, value: unknown, example: string, pattern?: { test: RegExp; rule: string }): string[] {
  if (!Array.isArray(value) || value.length === 0) fail(option, value, 'a non-empty array of strings', example);
  return value.map((item, i) => {
    const checked = secret(`${option}[${i}]`, item, example);
    // A value that cannot arrive in an HTTP header would pass here and then refuse every delivery.
    if (pattern && !pattern.test.test(checked)) fail(`${option}[${i}]`, checked, pattern.rule, example);
    return checked;
  });
}

// A bearer token is one run of visible ASCII; a header value may also hold inner spaces. Node hands
// header bytes over as latin1, so non-ASCII secrets could never compare equal.
const BEARER_TOKEN = { test: /^[\x21-\x7E]+$/, rule: 'visible ASCII characters without spaces (as sent in a header)' };
const HEADER_VALUE = {
  test: /^[\x21-\x7E]([\x20-\x7E]*[\x21-\x7E])?$/,
  rule: 'visible ASCII characters (as sent in a header)',
};

function resolveAuth(auth: unknown): AuthOption {
  if (auth === undefined) {
    fail(
      'auth',
      auth,
      "set: IDWise's dashboard sends Basic, Bearer or custom-header credentials; use { type: 'none' } only behind your own gate",
      EXAMPLE_AUTH,
    );
  }
  const a = auth as Record<string, unknown>;
  switch (typeof auth === 'object' && auth !== null ? a.type : undefined) {
    case 'bearer':
      return { type: 'bearer', tokens: secrets('auth.tokens', a.tokens, EXAMPLE_AUTH, BEARER_TOKEN) };
    case 'basic': {
      const example =
        "auth: { type: 'basic', credentials: [{ username: 'idwise', password: process.env.IDWISE_WEBHOOK_PASSWORD }] }";
      const list = a.credentials;
      if (!Array.isArray(list) || list.length === 0)
        fail('auth.credentials', list, 'a non-empty array of { username, password }', example);
      return {
        type: 'basic',
        credentials: list.map((c: { username?: unknown; password?: unknown }, i) => {
          const username = secret(`auth.credentials[${i}].username`, c?.username, example);
          const password = secret(`auth.credentials[${i}].password`, c?.password, example);
          if (username.includes(':'))
            fail(`auth.credentials[${i}].username`, username, 'free of ":" (Basic auth splits there)', example);
          return { username, password };
        }),
      };
    }
    case 'header': {
      const example = "auth: { type: 'header', name: 'x-idwise-secret', values: [process.env.IDWISE_WEBHOOK_SECRET] }";
      if (typeof a.name !== 'string' || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(a.name)) {
        fail('auth.name', a.name, 'an HTTP header name', example);
      }
      return { type: 'header', name: a.name, values: secrets('auth.values', a.values, example, HEADER_VALUE) };
    }
    case 'none':
      if (process.env.NODE_ENV === 'production' && a.allowInProduction !== true) {
        throw new OptionsError(
          "idwiseWebhooks: auth { type: 'none' } in NODE_ENV=production lets anyone on the internet post verification results. " +
            "Configure credentials in IDWise's webhook settings and pass them, e.g. idwiseWebhooks({ " +
            EXAMPLE_AUTH +
            ' }), ' +
            "or, if a gateway in front already authenticates IDWise, say so: auth: { type: 'none', allowInProduction: true }.",
        );
      }
      return { type: 'none', allowInProduction: a.allowInProduction === true };
    default:
      return fail('auth', auth, "an object whose type is 'bearer', 'basic', 'header' or 'none'", EXAMPLE_AUTH);
  }
}

function isStore(value: unknown): value is DedupeStore {
  const s = value as Record<string, unknown>;
  return (
    typeof value === 'object' &&
    value !== null &&
    ['claim', 'complete', 'release'].every((m) => typeof s[m] === 'function')
  );
}

function isLogger(value: unknown): value is Logger {
  const l = value as Record<string, unknown>;
  return (
    typeof value === 'object' &&
    value !== null &&
    ['debug', 'info', 'warn', 'error'].every((m) => typeof l[m] === 'function')
  );
}

export function resolveOptions(input: IdwiseWebhooksOptions): ResolvedOptions {
  if (typeof input !== 'object' || input === null) fail('options', input, 'an object', EXAMPLE_AUTH);
  const o = input as unknown as Record<string, unknown>;
  const auth = resolveAuth(o.auth);

  const path = o.path ?? '/webhooks/idwise';
  if (typeof path !== 'string' || !path.startsWith('/'))
    fail('path', path, 'a string starting with "/"', "path: '/webhooks/idwise'");

  const store = o.store ?? new MemoryDedupeStore();
  if (!isStore(store))
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
  const limit = typeof rawLimit === 'string' || typeof rawLimit === 'number' ? bytes.parse(rawLimit) : null;
  if (limit === null || !Number.isSafeInteger(limit) || limit <= 0)
    fail('limit', rawLimit, "a positive byte count or a size like '64kb'", "limit: '64kb'");

  const storeFailure = o.storeFailure ?? 'reject';
  if (storeFailure !== 'reject' && storeFailure !== 'process')
    fail('storeFailure', storeFailure, "'reject' or 'process'", "storeFailure: 'reject'");

  let allowedIps: IpAllowlist | undefined;
  if (o.allowedIps !== undefined) {
    const example = "allowedIps: ['203.0.113.0/24', '2001:db8::/32']";
    if (!Array.isArray(o.allowedIps) || o.allowedIps.some((e) => typeof e !== 'string'))
      fail('allowedIps', o.allowedIps, 'an array of IP addresses or CIDR ranges', example);
    try {
      allowedIps = parseAllowlist(o.allowedIps as string[]);
    } catch (error) {
      fail(
        'allowedIps',
        o.allowedIps,
        `valid IPv4/IPv6 addresses or CIDR ranges (${(error as Error).message})`,
        example,
      );
    }
  }

  const given = o.logger ?? consoleLogger;
  if (!isLogger(given))
    fail('logger', given, 'an object with debug, info, warn and error methods (pino works)', 'logger: pino()');
  const logger = guardedLogger(given);

  const events = o.events ?? new IdwiseEventEmitter();
  if (!(events instanceof EventEmitter)) fail('events', events, 'an EventEmitter', 'events: new EventEmitter()');

  if (auth.type === 'none' && auth.allowInProduction) {
    logger.warn({ option: 'auth' }, "auth { type: 'none' } is on: anyone who can reach this route can post webhooks");
  }

  return {
    auth,
    path,
    store,
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
