import { afterEach, describe, expect, it, vi } from 'vitest';
import { createPipeline, OptionsError, type IdwiseWebhooksOptions } from '../../lib/index.js';
import { AUTH } from '../support/fixtures.js';
import { RecordingLogger } from '../support/recording-logger.js';

const SECRET = 'hunter2-s3cr3t';
const build = (options: unknown) => () => createPipeline(options as IdwiseWebhooksOptions);
const withAuth = (extra: Record<string, unknown>) => build({ auth: AUTH, logger: new RecordingLogger(), ...extra });

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('options checked at construction', () => {
  it.each<[string, () => unknown, string]>([
    ['options missing altogether', build(undefined), 'options'],
    ['auth missing', build({}), 'auth'],
    ['an unknown auth type', build({ auth: { type: 'hmac', secret: SECRET } }), 'auth.type'],
    ['no bearer tokens', build({ auth: { type: 'bearer', tokens: [] } }), 'auth.tokens'],
    [
      'an empty bearer token (unset environment variable)',
      build({ auth: { type: 'bearer', tokens: [''] } }),
      'auth.tokens[0]',
    ],
    ['an undefined bearer token', build({ auth: { type: 'bearer', tokens: [SECRET, undefined] } }), 'auth.tokens[1]'],
    [
      'a bearer token with a trailing newline',
      build({ auth: { type: 'bearer', tokens: [`${SECRET}\n`] } }),
      'auth.tokens[0]',
    ],
    [
      'a bearer token with a leading space',
      build({ auth: { type: 'bearer', tokens: [` ${SECRET}`] } }),
      'auth.tokens[0]',
    ],
    ['no basic credentials', build({ auth: { type: 'basic', credentials: [] } }), 'auth.credentials'],
    [
      'an empty basic password',
      build({ auth: { type: 'basic', credentials: [{ username: 'idwise', password: '' }] } }),
      'auth.credentials[0].password',
    ],
    [
      'a basic username with a colon',
      build({ auth: { type: 'basic', credentials: [{ username: 'a:b', password: SECRET }] } }),
      'auth.credentials[0].username',
    ],
    [
      'a header name with a space',
      build({ auth: { type: 'header', name: 'x idwise', values: [SECRET] } }),
      'auth.name',
    ],
    ['no header values', build({ auth: { type: 'header', name: 'x-idwise', values: [] } }), 'auth.values'],
    ['a path without leading slash', withAuth({ path: 'webhooks' }), 'path'],
    ['a store without release', withAuth({ store: { claim() {}, complete() {} } }), 'store'],
    ['a negative leaseMs', withAuth({ leaseMs: -1 }), 'leaseMs'],
    ['a fractional retentionMs', withAuth({ retentionMs: 1.5 }), 'retentionMs'],
    ['a string handlerTimeoutMs', withAuth({ handlerTimeoutMs: '25s' }), 'handlerTimeoutMs'],
    ['handlerTimeoutMs not below leaseMs', withAuth({ leaseMs: 10_000, handlerTimeoutMs: 10_000 }), 'handlerTimeoutMs'],
    ['a zero storeTimeoutMs', withAuth({ storeTimeoutMs: 0 }), 'storeTimeoutMs'],
    // Node clamps a longer timer to 1 ms: "practically never" would fire at once.
    ['a storeTimeoutMs beyond what a timer holds', withAuth({ storeTimeoutMs: 3e9 }), 'storeTimeoutMs'],
    ['a bodyTimeoutMs beyond what a timer holds', withAuth({ bodyTimeoutMs: 2 ** 31 }), 'bodyTimeoutMs'],
    ['a leaseMs too short for any handler timeout', withAuth({ leaseMs: 1 }), 'leaseMs'],
    [
      'a bearer token with an inner space (it could never arrive)',
      build({ auth: { type: 'bearer', tokens: ['hunter2 s3cr3t'] } }),
      'auth.tokens[0]',
    ],
    [
      'a non-ASCII bearer token (headers arrive as latin1)',
      build({ auth: { type: 'bearer', tokens: ['hunter2-sécret'] } }),
      'auth.tokens[0]',
    ],
    [
      'a header value with a control character',
      build({ auth: { type: 'header', name: 'x-idwise', values: ['hunter2\tx'] } }),
      'auth.values[0]',
    ],
    ['an unreadable limit', withAuth({ limit: 'lots' }), 'limit'],
    ['a zero limit', withAuth({ limit: 0 }), 'limit'],
    ['an unknown storeFailure', withAuth({ storeFailure: 'ignore' }), 'storeFailure'],
    ['allowedIps as a string', withAuth({ allowedIps: '10.0.0.0/8' }), 'allowedIps'],
    ['a malformed allowedIps range', withAuth({ allowedIps: ['10.0.0.0/8', '10.0.0.0/99'] }), 'allowedIps[1]'],
    ['a logger without debug', withAuth({ logger: { info() {}, warn() {}, error() {} } }), 'logger'],
    ['events that are not an EventEmitter', withAuth({ events: {} }), 'events'],
  ])('throws on %s, naming the option and showing an example', (_case, construct, option) => {
    let error: unknown;
    try {
      construct();
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(OptionsError);
    const message = (error as Error).message;
    expect(message).toContain(`option "${option}"`);
    expect(message).toMatch(/Example: idwiseWebhooks\(\{ .+ \}\)/);
    expect(message).not.toContain('hunter2');
  });

  it('accepts a complete, valid set of options', () => {
    expect(
      withAuth({
        path: '/hooks/idwise',
        leaseMs: 30_000,
        retentionMs: 60_000,
        handlerTimeoutMs: 10_000,
        storeTimeoutMs: 1_000,
        limit: 4096,
        storeFailure: 'process',
        allowedIps: ['203.0.113.0/24', '2001:db8::1'],
      }),
    ).not.toThrow();
  });

  it('derives the default handlerTimeoutMs below a short leaseMs instead of throwing', () => {
    expect(withAuth({ leaseMs: 1_000 })).not.toThrow();
  });
});

describe('option mistakes a user makes in the first hour', () => {
  const messageOf = (construct: () => unknown): string => {
    try {
      construct();
    } catch (error) {
      expect(error).toBeInstanceOf(OptionsError);
      return (error as Error).message;
    }
    throw new Error('expected the options to be refused');
  };

  it('refuses an unknown option, naming the closest one', () => {
    expect(messageOf(withAuth({ paht: '/hooks' }))).toMatch(/unknown option "paht"\. Did you mean "path"\?/);
    expect(messageOf(withAuth({ storeTimeout: 100 }))).toContain('Did you mean "storeTimeoutMs"?');
    expect(messageOf(withAuth({ zzz: 1 }))).toMatch(/unknown option "zzz"\. Known: auth, path, store/);
  });

  it('refuses an unknown key inside auth, naming the closest one, without showing a secret', () => {
    const message = messageOf(build({ auth: { type: 'bearer', token: [SECRET] } }));
    expect(message).toContain('unknown option "auth.token". Did you mean "auth.tokens"?');
    expect(message).not.toContain('hunter2');
  });

  it("shows a mistyped auth type as given, with the type meant: 'beare' is 'bearer'", () => {
    expect(messageOf(build({ auth: { type: 'beare', tokens: [SECRET] } }))).toMatch(
      /option "auth\.type" must be one of 'bearer', 'basic', 'header', 'none' \(did you mean 'bearer'\?\), got "beare"/,
    );
  });

  it.each(['64 kilobytes', '64kilobytes', '1e3', '64kb!'])(
    'refuses the size %j rather than reading part of it',
    (limit) => {
      expect(messageOf(withAuth({ limit }))).toContain(`option "limit" must be a positive byte count`);
      expect(messageOf(withAuth({ limit }))).toContain(`got ${JSON.stringify(limit)}`);
    },
  );

  it.each([
    ['64kb', 65_536],
    ['1.5 MB', 1_572_864],
    ['100', 100],
  ])('accepts the size %j', (limit) => {
    expect(withAuth({ limit })).not.toThrow();
  });

  it('shows values that are not secret, and which entry of allowedIps is wrong', () => {
    expect(messageOf(withAuth({ storeFailure: 'ignore' }))).toContain(`got "ignore"`);
    expect(messageOf(withAuth({ allowedIps: ['203.0.113.0/24', '10.0.0.300'] }))).toContain(
      'option "allowedIps[1]" must be an IPv4 or IPv6 address or CIDR range, got "10.0.0.300"',
    );
  });
});

describe("auth { type: 'none' }", () => {
  it('is accepted outside production, silently', () => {
    const logger = new RecordingLogger();
    createPipeline({ auth: { type: 'none' }, logger });
    expect(logger.entries).toEqual([]);
  });

  it('throws in NODE_ENV=production with the way to configure credentials', () => {
    vi.stubEnv('NODE_ENV', 'production');
    expect(build({ auth: { type: 'none' } })).toThrow(OptionsError);
    expect(build({ auth: { type: 'none' } })).toThrow(/allowInProduction: true/);
  });

  it.each(['Production', 'PRODUCTION', ' production '])(
    'throws in NODE_ENV=%j too: the check ignores case and spaces',
    (value) => {
      vi.stubEnv('NODE_ENV', value);
      expect(build({ auth: { type: 'none' } })).toThrow(/allowInProduction: true/);
    },
  );

  it('is accepted in production with allowInProduction: true, and says so through the logger', () => {
    vi.stubEnv('NODE_ENV', 'production');
    const logger = new RecordingLogger();
    createPipeline({ auth: { type: 'none', allowInProduction: true }, logger });
    expect(logger.at('warn')).toEqual([expect.objectContaining({ message: expect.stringMatching(/type: 'none'/) })]);
  });
});
