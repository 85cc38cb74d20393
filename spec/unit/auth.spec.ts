import { describe, expect, it } from 'vitest';
import { createAuthenticator } from '../../lib/auth.js';
import { createPipeline, type AuthOption } from '../../lib/index.js';
import { buildEvent } from '../../lib/testing/index.js';
import { basicAuthorization, handle } from '../support/fixtures.js';
import { RecordingLogger } from '../support/recording-logger.js';

const CONFIGURED = ['c0nfigured-0ld', 'c0nfigured-n3w'];
const PRESENTED = 'pr3sented-wr0ng';

const schemes: Record<'bearer' | 'basic' | 'header', AuthOption> = {
  bearer: { type: 'bearer', tokens: CONFIGURED },
  basic: {
    type: 'basic',
    credentials: CONFIGURED.map((password, i) => ({ username: `idwise-${i}`, password })),
  },
  header: { type: 'header', name: 'X-IDWise-Secret', values: CONFIGURED },
};

/** The headers that present `secret` (and, for basic, the user configured beside it) under each scheme. */
const present: Record<keyof typeof schemes, (secret: string, i?: number) => Record<string, string>> = {
  bearer: (secret) => ({ authorization: `Bearer ${secret}` }),
  basic: (secret, i = 0) => ({ authorization: basicAuthorization(`idwise-${i}`, secret) }),
  header: (secret) => ({ 'x-idwise-secret': secret }),
};

function attempt(scheme: keyof typeof schemes, headers: Record<string, string>) {
  const logger = new RecordingLogger();
  const pipeline = createPipeline({ auth: schemes[scheme], logger });
  return { logger, response: handle(pipeline, buildEvent('Finished Journey'), { headers }) };
}

describe.each(Object.keys(schemes) as (keyof typeof schemes)[])('%s auth', (scheme) => {
  it.each([0, 1])('accepts configured credential %i, so a secret can be rotated without downtime', async (i) => {
    const { response } = attempt(scheme, present[scheme](CONFIGURED[i]!, i));
    expect((await response).status).toBe(200);
  });

  const refused: [string, Record<string, string>][] = [
    ['missing', {}],
    ['wrong', present[scheme](PRESENTED)],
  ];
  // Basic pairs each secret with a user: a valid password under the other user is still wrong.
  if (scheme === 'basic')
    refused.push(["one user's name with the other user's password", present.basic(CONFIGURED[1]!, 0)]);

  it.each(refused)(
    'answers 401 to %s credentials, never putting a secret in the answer or the logs',
    async (_case, headers) => {
      const { logger, response } = attempt(scheme, headers);
      const { status, body, headers: answered } = await response;

      expect(status).toBe(401);
      expect(body).toEqual({ error: 'unauthorized' });
      expect(logger.at('warn')).toEqual([expect.objectContaining({ message: expect.stringMatching(/credentials/) })]);
      const everything = JSON.stringify({ body, answered, logs: logger.entries });
      for (const secret of [...CONFIGURED, PRESENTED]) expect(everything).not.toContain(secret);
    },
  );
});

describe('the challenge sent with 401', () => {
  it.each([
    ['bearer', 'Bearer realm="idwise-webhooks"'],
    ['basic', 'Basic realm="idwise-webhooks", charset="UTF-8"'],
    ['header', undefined],
  ] as const)('under %s auth is %s', async (scheme, challenge) => {
    const { headers } = await attempt(scheme, {}).response;
    expect(headers['WWW-Authenticate']).toBe(challenge);
  });
});

describe('bearer parsing', () => {
  it.each([
    ['a lower-case scheme', `bearer ${CONFIGURED[0]}`, 200],
    ['trailing spaces', `Bearer ${CONFIGURED[0]}  `, 200],
    ['a token with a suffix', `Bearer ${CONFIGURED[0]}x`, 401],
    ['a prefix of the token', `Bearer ${CONFIGURED[0]!.slice(0, -1)}`, 401],
    ['Basic instead of Bearer', basicAuthorization('idwise-0', CONFIGURED[0]!), 401],
  ])('answers %s with %i', async (_case, authorization, status) => {
    expect((await attempt('bearer', { authorization }).response).status).toBe(status);
  });
});

describe('the padded constant-time comparison', () => {
  const LONG = 'L'.repeat(300);
  const WIDE = 'pässwörd-✓-ключ';
  const check = createAuthenticator({ type: 'header', name: 'x-secret', values: ['short', LONG, WIDE] });
  const verdict = (value: string) => check({ 'x-secret': value }).ok;

  it('accepts each configured secret, a multi-byte one and one wider than the default width included', () => {
    expect([verdict('short'), verdict(LONG), verdict(WIDE)]).toEqual([true, true, true]);
  });

  it.each([
    ['the secret followed by a NUL, which padding alone would not tell apart', 'short\0'],
    ['a prefix of a secret', 'shor'],
    ['a secret with one more character', 'shortx'],
    ['a value longer than every width', `short${'x'.repeat(2000)}`],
    ['the first 256 bytes of the long secret', LONG.slice(0, 256)],
    ['the long secret and one more byte', `${LONG}L`],
    ['the multi-byte secret with one character changed', WIDE.replace('ö', 'o')],
    ['an empty value', ''],
  ])('refuses %s', (_case, value) => {
    expect(verdict(value)).toBe(false);
  });

  it('leaves nothing of one attempt behind for the next: a long wrong value, then the right one', () => {
    expect(verdict(`short-but-wrong-${'x'.repeat(100)}`)).toBe(false);
    expect(verdict('short')).toBe(true);
    expect(verdict(LONG)).toBe(true);
    expect(verdict('short')).toBe(true);
  });
});
