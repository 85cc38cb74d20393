/**
 * Authentication under fuzzing: rotation with several credentials, the IP allowlist against real
 * Express `trust proxy` handling (IPv4 and IPv6 CIDR, spoofed X-Forwarded-For), secrets kept out of
 * every log line, console line and answer, and the shape of the comparison that keeps it
 * constant-time. No timing is measured: on a shared machine that would only test the machine.
 */
import { inspect } from 'node:util';
import fc from 'fast-check';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createPipeline, type AuthOption, type DedupeStore, type IdwiseWebhooksOptions } from '../../lib/index.js';
import { buildEvent } from '../../lib/testing/index.js';
import { basicAuthorization, pipelineRequest, quiet } from '../support/fixtures.js';
import { RecordingLogger } from '../support/recording-logger.js';
import { DOCUMENTED, FUZZ_SEED, startFuzzServer, type FuzzServer } from './fuzz-server.js';

// Every comparison goes through this spy, so the spec can see how many there are and of what size.
// It keeps copies: the package clears its buffer after comparing, so a reference would show zeros.
const compared: [Buffer, Buffer][] = [];
vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:crypto')>();
  return {
    ...actual,
    timingSafeEqual: vi.fn((a: NodeJS.ArrayBufferView, b: NodeJS.ArrayBufferView) => {
      compared.push([Buffer.from(a as Uint8Array), Buffer.from(b as Uint8Array)]);
      return actual.timingSafeEqual(a, b);
    }),
  };
});
const { timingSafeEqual } = await import('node:crypto');
const comparisons = vi.mocked(timingSafeEqual);

const run = <T>(property: fc.IAsyncProperty<T> | fc.IProperty<T>, numRuns: number) =>
  fc.assert(property as fc.IAsyncProperty<T>, { seed: FUZZ_SEED, numRuns });

beforeAll(() => {
  console.log(`[fuzz] auth: fast-check seed ${FUZZ_SEED} (set FUZZ_SEED to change it)`);
});
afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

const secretChar = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.~+/');
/** A credential the way a secret manager hands one out: no surrounding whitespace, long enough to search for. */
const secret = fc.string({ unit: secretChar, minLength: 12, maxLength: 64 });
const secrets = (max: number) => fc.uniqueArray(secret, { minLength: 1, maxLength: max });

type Scheme = 'bearer' | 'basic' | 'header';
const SCHEMES: Scheme[] = ['bearer', 'basic', 'header'];
const authFor = (scheme: Scheme, values: string[]): AuthOption =>
  scheme === 'bearer'
    ? { type: 'bearer', tokens: values }
    : scheme === 'basic'
      ? { type: 'basic', credentials: values.map((password, i) => ({ username: `idwise-${i}`, password })) }
      : { type: 'header', name: 'X-IDWise-Secret', values };
const present = (scheme: Scheme, value: string, i = 0): Record<string, string> =>
  scheme === 'bearer'
    ? { authorization: `Bearer ${value}` }
    : scheme === 'basic'
      ? { authorization: basicAuthorization(`idwise-${i}`, value) }
      : { 'x-idwise-secret': value };

describe('several credentials, for rotation', () => {
  it.each(SCHEMES)('%s: accepts each configured credential and refuses every other value with 401', async (scheme) => {
    await run(
      fc.asyncProperty(secrets(5), secret, async (configured, other) => {
        fc.pre(!configured.includes(other));
        const pipeline = createPipeline({ auth: authFor(scheme, configured), logger: quiet });
        const heard: unknown[] = [];
        pipeline.events.on('webhook', (payload) => void heard.push(payload));
        for (const [i, value] of configured.entries()) {
          const answer = await pipeline.handle(
            pipelineRequest(buildEvent('Finished Journey'), { headers: present(scheme, value, i) }),
          );
          expect(answer.status).toBe(200);
        }
        const refused = await pipeline.handle(
          pipelineRequest(buildEvent('Finished Journey'), { headers: present(scheme, other) }),
        );
        expect(refused.status).toBe(401);
        expect(heard).toHaveLength(configured.length);
      }),
      60,
    );
  });
});

describe('constant-time comparison', () => {
  it.each(SCHEMES)(
    '%s: compares fixed-width padded values with timingSafeEqual against every configured credential, whatever is presented',
    (scheme) => {
      fc.assert(
        fc.property(
          secrets(6),
          fc.oneof(
            fc.constant('matches-first'),
            fc.constant('matches-last'),
            fc.string({ unit: secretChar, minLength: 1, maxLength: 300 }),
          ),
          (configured, presented) => {
            const pipeline = createPipeline({ auth: authFor(scheme, configured), logger: quiet });
            const value =
              presented === 'matches-first'
                ? configured[0]!
                : presented === 'matches-last'
                  ? configured.at(-1)!
                  : presented;
            // Basic compares "user:password": present the matching user so only the password varies.
            const index = presented === 'matches-last' ? configured.length - 1 : 0;
            comparisons.mockClear();
            compared.length = 0;
            void pipeline.handle(
              pipelineRequest(buildEvent('Finished Journey'), { headers: present(scheme, value, index) }),
            );
            // Authentication runs synchronously inside handle(), before anything is awaited.
            expect(comparisons).toHaveBeenCalledTimes(configured.length);
            // 256 bytes on both sides (every secret here is shorter), each configured one once:
            // neither the presented length nor the secret's can show, nor which candidate matched.
            const padded = (text: string) => {
              const buffer = Buffer.alloc(256);
              buffer.write(text, 'utf8');
              return buffer;
            };
            const sent = scheme === 'basic' ? `idwise-${index}:${value}` : value;
            const candidates = configured.map((c, i) => padded(scheme === 'basic' ? `idwise-${i}:${c}` : c));
            expect(compared.map(([a]) => a)).toEqual(configured.map(() => padded(sent)));
            expect(compared.map(([, b]) => b)).toEqual(candidates);
          },
        ),
        { seed: FUZZ_SEED, numRuns: 60 },
      );
    },
  );

  it('keeps comparing after a match, so which credential matched does not show either', () => {
    const configured = ['first-credential-000', 'second-credential-11', 'third-credential-222'];
    const pipeline = createPipeline({ auth: authFor('bearer', configured), logger: quiet });
    comparisons.mockClear();
    void pipeline.handle(
      pipelineRequest(buildEvent('Finished Journey'), { headers: present('bearer', configured[0]!) }),
    );
    expect(comparisons.mock.results.map((r) => r.value)).toEqual([true, false, false]);
  });
});

// --- IP allowlist -------------------------------------------------------------------------------

interface Address {
  kind: 'ipv4' | 'ipv6';
  value: bigint;
}
interface Range extends Address {
  prefix: number;
}
const BITS = { ipv4: 32, ipv6: 128 } as const;

/** Dotted quad, or IPv6 in full or with the longest zero run compressed (both are what proxies write). */
function format({ kind, value }: Address, compress = false): string {
  if (kind === 'ipv4') return [24n, 16n, 8n, 0n].map((s) => String((value >> s) & 255n)).join('.');
  const groups = Array.from({ length: 8 }, (_, i) => Number((value >> BigInt(112 - 16 * i)) & 0xffffn));
  if (!compress) return groups.map((g) => g.toString(16)).join(':');
  let best = { at: -1, length: 1 };
  for (let i = 0; i < 8; i++) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > best.length) best = { at: i, length: j - i };
  }
  if (best.at < 0) return groups.map((g) => g.toString(16)).join(':');
  const hex = (gs: number[]) => gs.map((g) => g.toString(16)).join(':');
  return `${hex(groups.slice(0, best.at))}::${hex(groups.slice(best.at + best.length))}`;
}

/** Membership judged by arithmetic on the prefix bits, independently of the package's ipaddr.js. */
const contains = (range: Range, address: Address) => {
  if (range.kind !== address.kind) return false;
  const host = BigInt(BITS[range.kind] - range.prefix);
  return range.value >> host === address.value >> host;
};

// Outside ::ffff:0:0/96: the package (rightly) reads IPv4-mapped addresses as IPv4, which this model does not.
const notMapped = (a: Address) => a.kind === 'ipv4' || a.value >> 32n !== 0xffffn;
const address: fc.Arbitrary<Address> = fc
  .oneof(
    fc.bigInt({ min: 0n, max: 2n ** 32n - 1n }).map((value) => ({ kind: 'ipv4' as const, value })),
    fc.bigInt({ min: 0n, max: 2n ** 128n - 1n }).map((value) => ({ kind: 'ipv6' as const, value })),
  )
  .filter(notMapped);
const range: fc.Arbitrary<Range> = address.chain((a) =>
  fc.integer({ min: a.kind === 'ipv4' ? 1 : 8, max: BITS[a.kind] }).map((prefix) => ({ ...a, prefix })),
);
/** An address inside the range: its prefix bits, random host bits. */
const inside = (r: Range) =>
  fc.bigInt({ min: 0n, max: 2n ** BigInt(BITS[r.kind] - r.prefix) - 1n }).map((hostBits) => {
    const host = BigInt(BITS[r.kind] - r.prefix);
    return { kind: r.kind, value: ((r.value >> host) << host) | hostBits };
  });
const LOOPBACK: Address[] = [
  { kind: 'ipv4', value: 0x7f000001n },
  { kind: 'ipv6', value: 1n },
];

async function withServer<T>(setup: Parameters<typeof startFuzzServer>[0], use: (s: FuzzServer) => Promise<T>) {
  const server = await startFuzzServer(setup);
  try {
    return await use(server);
  } finally {
    await server.close();
  }
}

const post = (server: FuzzServer, forwardedFor?: string) =>
  server.request(JSON.stringify(buildEvent('Finished Journey')), {
    authorization: 'Bearer fuzz-token-c41b9e',
    'content-type': 'application/json',
    ...(forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor }),
  });

describe('allowedIps behind a trusted proxy', () => {
  it('admits exactly the addresses inside some CIDR range, IPv4 and IPv6, as X-Forwarded-For from a trusted hop reports them', async () => {
    const scenario = fc.array(range, { minLength: 1, maxLength: 3 }).chain((ranges) =>
      fc.record({
        ranges: fc.constant(ranges),
        client: fc.oneof(fc.constantFrom(...ranges).chain(inside), address),
        compress: fc.boolean(),
      }),
    );
    const seen = new Set<string>();
    await run(
      fc.asyncProperty(scenario, async ({ ranges, client, compress }) => {
        const allowedIps = ranges.map((r) => `${format(r, compress)}/${r.prefix}`);
        await withServer({ trustProxy: 'loopback', options: { allowedIps } }, async (server) => {
          const mark = server.mark();
          const answer = await post(server, format(client, compress));
          const admitted = ranges.some((r) => contains(r, client));
          seen.add(`${client.kind} ${admitted ? 'admitted' : 'refused'}`);
          expect({ allowedIps, client: format(client), status: answer.status }).toEqual({
            allowedIps,
            client: format(client),
            status: admitted ? 200 : 403,
          });
          if (!admitted) expect(server.heard.slice(mark.heard)).toEqual([]);
        });
      }),
      60,
    );
    expect([...seen].sort()).toEqual(['ipv4 admitted', 'ipv4 refused', 'ipv6 admitted', 'ipv6 refused']);
  });

  it('reads the hop the trusted proxy saw, not an address the client put first in X-Forwarded-For', async () => {
    await withServer(
      { trustProxy: 'loopback', options: { allowedIps: ['203.0.113.0/24', '2001:db8::/32'] } },
      async (server) => {
        expect((await post(server, '203.0.113.7, 198.51.100.1')).status).toBe(403);
        expect((await post(server, '198.51.100.1, 203.0.113.7')).status).toBe(200);
        expect((await post(server, '198.51.100.1, 2001:db8::42')).status).toBe(200);
        expect((await post(server, '::ffff:203.0.113.8')).status).toBe(200);
      },
    );
  });
});

describe('allowedIps when the proxy is not trusted', () => {
  it('answers 403 to a spoofed X-Forwarded-For naming an allowed address, and runs nothing', async () => {
    const scenario = fc
      .array(range, { minLength: 1, maxLength: 3 })
      .filter((ranges) => !ranges.some((r) => LOOPBACK.some((a) => contains(r, a))))
      .chain((ranges) =>
        fc.record({
          ranges: fc.constant(ranges),
          spoofed: fc.constantFrom(...ranges).chain(inside),
          // Not trusted at all, or trusted only from an address that is not the connection's.
          trustProxy: fc.constantFrom<boolean | string>(false, '10.9.8.7', '2001:db8::1'),
        }),
      );
    await run(
      fc.asyncProperty(scenario, async ({ ranges, spoofed, trustProxy }) => {
        const allowedIps = ranges.map((r) => `${format(r)}/${r.prefix}`);
        await withServer({ trustProxy, options: { allowedIps } }, async (server) => {
          const mark = server.mark();
          const answer = await post(server, format(spoofed));
          expect(answer.status).toBe(403);
          expect(JSON.parse(answer.text)).toEqual({ error: 'forbidden' });
          expect(server.heard.slice(mark.heard)).toEqual([]);
          expect(server.claims.slice(mark.claims)).toEqual([]);
        });
      }),
      40,
    );
  });
});

// --- Secrets stay secret ------------------------------------------------------------------------

const CONSOLE_METHODS = ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const;

function captureConsole(): () => string {
  const lines: string[] = [];
  for (const method of CONSOLE_METHODS) {
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      lines.push(args.map((a) => (typeof a === 'string' ? a : inspect(a, { depth: 10 }))).join(' '));
    });
  }
  return () => lines.join('\n');
}

const failingStore: DedupeStore = {
  claim: () => Promise.reject(new Error('connection refused')),
  complete: () => Promise.resolve(),
  release: () => Promise.resolve(),
};

describe('credentials never appear in logs, on the console or in answers', () => {
  it.each(SCHEMES)(
    '%s: whatever is presented and however the delivery ends, no configured or presented secret is written anywhere',
    async (scheme) => {
      await run(
        fc.asyncProperty(
          secrets(3),
          secret.map((s) => `presented-${s}`),
          fc.constantFrom('recording logger', 'default console logger'),
          async (configured, wrong, loggerKind) => {
            const consoleText = captureConsole();
            const logger = loggerKind === 'recording logger' ? new RecordingLogger() : undefined;
            const make = (extra: Partial<IdwiseWebhooksOptions> = {}) =>
              createPipeline({ auth: authFor(scheme, configured), ...(logger ? { logger } : {}), ...extra });
            const ok = make();
            ok.events.on('amlUpdate', () => {
              throw new Error('listener failed');
            });
            const storeDown = make({ store: failingStore });
            const right = present(scheme, configured[0]!);
            const answers = await Promise.all([
              ok.handle(pipelineRequest(buildEvent('Finished Journey'), { headers: present(scheme, wrong) })),
              ok.handle(pipelineRequest(buildEvent('Finished Journey'), { headers: {} })),
              ok.handle(pipelineRequest({ event: 'Finished Journey', body: { journeyId: 7 } }, { headers: right })),
              ok.handle(pipelineRequest(buildEvent('AML Monitor Update'), { headers: right })),
              storeDown.handle(pipelineRequest(buildEvent('Finished Journey'), { headers: right })),
              ok.handle(pipelineRequest(buildEvent('Finished Journey'), { headers: right, method: 'GET' })),
            ]);
            vi.restoreAllMocks();
            expect(answers.map((a) => a.status)).toEqual([401, 401, 400, 500, 503, 405]);
            for (const a of answers) expect(DOCUMENTED).toContain(a.status);

            const written = [consoleText(), logger?.text ?? '', JSON.stringify(answers)].join('\n');
            // Something was logged, so the search below searched something.
            expect(written).toMatch(/listener failed/);
            const needles = [...configured, wrong, ...Object.values(right), ...Object.values(present(scheme, wrong))];
            for (const needle of needles) expect(written).not.toContain(needle);
          },
        ),
        40,
      );
    },
  );
});

describe("auth { type: 'none' } in production, said loudly", () => {
  it('warns on the console when allowInProduction is set and no logger is given', () => {
    vi.stubEnv('NODE_ENV', 'production');
    const consoleText = captureConsole();
    createPipeline({ auth: { type: 'none', allowInProduction: true } });
    expect(consoleText()).toMatch(/type: 'none'.*anyone/);
  });
});
