/**
 * The `auth` option, checked at construction: each secret must be one that can arrive in an HTTP
 * header, so a stray newline or an unset environment variable fails at startup, not on every delivery.
 */
import type { CheckedAuth } from './auth.js';
import { EXAMPLE_AUTH, fail, OptionsError, refuseUnknownKeys, showValue } from './option-error.js';
import { closest } from './suggest.js';

function secret(option: string, value: unknown, example: string): string {
  if (typeof value !== 'string' || value === '') {
    fail(option, value, 'a non-empty string (is the environment variable set?)', example, true);
  }
  if (value.trim() !== value) {
    fail(option, value, 'free of leading or trailing whitespace (a stray newline from a secrets file?)', example, true);
  }
  return value;
}

function secrets(option: string, value: unknown, example: string, pattern?: { test: RegExp; rule: string }): string[] {
  if (!Array.isArray(value) || value.length === 0) fail(option, value, 'a non-empty array of strings', example, true);
  return value.map((item, i) => {
    const checked = secret(`${option}[${i}]`, item, example);
    // A value that cannot arrive in an HTTP header would pass here and then refuse every delivery.
    if (pattern && !pattern.test.test(checked)) fail(`${option}[${i}]`, checked, pattern.rule, example, true);
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

const KEYS: Record<CheckedAuth['type'], readonly string[]> = {
  bearer: ['type', 'tokens'],
  basic: ['type', 'credentials'],
  header: ['type', 'name', 'values'],
  none: ['type', 'allowInProduction'],
};
const TYPES = Object.keys(KEYS);

export function resolveAuth(auth: unknown): CheckedAuth {
  if (auth === undefined) {
    fail(
      'auth',
      auth,
      "set: IDWise's dashboard sends Basic, Bearer or custom-header credentials; use { type: 'none' } only behind your own gate",
      EXAMPLE_AUTH,
    );
  }
  if (typeof auth !== 'object' || auth === null) {
    fail('auth', auth, "an object whose type is 'bearer', 'basic', 'header' or 'none'", EXAMPLE_AUTH);
  }
  const a = auth as Record<string, unknown>;
  const keys = Object.hasOwn(KEYS, String(a.type)) ? KEYS[a.type as CheckedAuth['type']] : undefined;
  if (keys === undefined) {
    const meant = typeof a.type === 'string' ? closest(a.type, TYPES) : undefined;
    fail(
      'auth.type',
      a.type,
      `one of ${TYPES.map((type) => `'${type}'`).join(', ')}${meant ? ` (did you mean '${meant}'?)` : ''}`,
      EXAMPLE_AUTH,
    );
  }
  refuseUnknownKeys('auth.', a, keys, EXAMPLE_AUTH);
  switch (a.type) {
    case 'bearer':
      return { type: 'bearer', tokens: secrets('auth.tokens', a.tokens, EXAMPLE_AUTH, BEARER_TOKEN) };
    case 'basic': {
      const example =
        "auth: { type: 'basic', credentials: [{ username: 'idwise', password: process.env.IDWISE_WEBHOOK_PASSWORD }] }";
      const list = a.credentials;
      if (!Array.isArray(list) || list.length === 0)
        fail('auth.credentials', list, 'a non-empty array of { username, password }', example, true);
      return {
        type: 'basic',
        credentials: list.map((c: { username?: unknown; password?: unknown }, i) => {
          const username = secret(`auth.credentials[${i}].username`, c?.username, example);
          const password = secret(`auth.credentials[${i}].password`, c?.password, example);
          if (username.includes(':'))
            fail(`auth.credentials[${i}].username`, username, 'free of ":" (Basic auth splits there)', example, true);
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
      if (process.env.NODE_ENV?.trim().toLowerCase() === 'production' && a.allowInProduction !== true) {
        throw new OptionsError(
          "idwiseWebhooks: auth { type: 'none' } in NODE_ENV=production lets anyone on the internet post verification results. " +
            "Configure credentials in IDWise's webhook settings and pass them, e.g. idwiseWebhooks({ " +
            EXAMPLE_AUTH +
            ' }), ' +
            "or, if a gateway in front already authenticates IDWise, say so: auth: { type: 'none', allowInProduction: true }.",
        );
      }
      return { type: 'none', allowInProduction: a.allowInProduction === true };
  }
  // Unreachable: `keys` above accepted only these four types.
  throw new OptionsError(`idwiseWebhooks: option "auth.type" got ${showValue(a.type)}`);
}
