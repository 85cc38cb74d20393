/**
 * IDWise signs nothing, so the credential it sends is the only defence, and comparing it must not
 * leak through timing: every value is zero-padded to one width and compared whole, against every
 * secret, so neither content, length nor which secret matched shows in the time taken.
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import basicAuth from 'basic-auth';

type AuthOf<Secret> =
  | { type: 'bearer'; tokens: readonly Secret[] }
  | { type: 'basic'; credentials: readonly { username: Secret; password: Secret }[] }
  | { type: 'header'; name: string; values: readonly Secret[] }
  | { type: 'none'; allowInProduction?: boolean };

/** How IDWise authenticates, as set in its dashboard. `process.env.X` fits as it is: an unset one throws at startup. */
export type AuthOption = AuthOf<string | undefined>;

/** `AuthOption` once checked: every secret present. */
export type CheckedAuth = AuthOf<string>;

export type AuthResult =
  { ok: true } | { ok: false; reason: 'missing_credentials' | 'invalid_credentials'; challenge?: string };

export type Authenticator = (headers: IncomingHttpHeaders) => AuthResult;

// Secrets up to 256 bytes share one width; a longer one widens all to its length rounded up to 64.
const MIN_WIDTH = 256;

/** `timingSafeEqual` needs equal lengths: padding to one width gives them without hashing. */
function secretMatcher(secrets: readonly string[]): (presented: string) => boolean {
  const lengths = secrets.map((secret) => Buffer.byteLength(secret, 'utf8'));
  const width = Math.max(MIN_WIDTH, ...lengths.map((length) => Math.ceil(length / 64) * 64));
  const padded = secrets.map((secret) => {
    const buffer = Buffer.alloc(width);
    buffer.write(secret, 'utf8');
    return buffer;
  });
  // Shared by every request: the comparison is synchronous, so no two use it at once.
  const scratch = Buffer.alloc(width);
  return (presented) => {
    const length = Buffer.byteLength(presented, 'utf8');
    // write() stops at the width; a longer value still fails below, on its length.
    const written = scratch.write(presented, 0, 'utf8');
    let matched = 0;
    for (let i = 0; i < padded.length; i++) {
      // The length check stops "secret" matching "secret\0": padding alone cannot tell them apart.
      matched |= Number(timingSafeEqual(scratch, padded[i]!)) & Number(length === lengths[i]);
    }
    // The presented value, valid or not, does not stay in memory. Only what was written: the
    // rest is still zero from the last time.
    scratch.fill(0, 0, written);
    return matched === 1;
  };
}

/** Options are already checked by `resolveOptions`; this only builds the comparison. */
export function createAuthenticator(auth: CheckedAuth): Authenticator {
  switch (auth.type) {
    case 'none':
      return () => ({ ok: true });
    case 'bearer': {
      const matches = secretMatcher(auth.tokens);
      const challenge = 'Bearer realm="idwise-webhooks"';
      return (headers) => {
        const match = /^Bearer +(\S+) *$/i.exec(headers.authorization ?? '');
        if (!match) return { ok: false, reason: 'missing_credentials', challenge };
        return matches(match[1]!) ? { ok: true } : { ok: false, reason: 'invalid_credentials', challenge };
      };
    }
    case 'basic': {
      // basic-auth splits at the first colon, so `username:password` is unambiguous here too.
      const matches = secretMatcher(auth.credentials.map(({ username, password }) => `${username}:${password}`));
      const challenge = 'Basic realm="idwise-webhooks", charset="UTF-8"';
      return (headers) => {
        const credentials = basicAuth.parse(headers.authorization ?? '');
        if (!credentials) return { ok: false, reason: 'missing_credentials', challenge };
        return matches(`${credentials.name}:${credentials.pass}`)
          ? { ok: true }
          : { ok: false, reason: 'invalid_credentials', challenge };
      };
    }
    case 'header': {
      const matches = secretMatcher(auth.values);
      const name = auth.name.toLowerCase();
      return (headers) => {
        const value = headers[name];
        // A repeated header arrives as an array (or joined): refuse rather than guess which one counts.
        if (typeof value !== 'string') return { ok: false, reason: 'missing_credentials' };
        return matches(value) ? { ok: true } : { ok: false, reason: 'invalid_credentials' };
      };
    }
  }
}
