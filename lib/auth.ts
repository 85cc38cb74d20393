/**
 * Authentication of IDWise's requests. IDWise signs nothing: it sends a Basic or Bearer
 * `Authorization` header, or a custom header, configured in its dashboard. So the only defence
 * is comparing that credential, and the comparison must not leak through timing: every candidate
 * is compared as a SHA-256 digest (fixed length, so the secret's length does not leak either), all
 * candidates are always compared (so which one matched does not leak), with `timingSafeEqual`.
 */
import crypto, { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import basicAuth from 'basic-auth';

export type AuthOption =
  | { type: 'bearer'; tokens: readonly string[] }
  | { type: 'basic'; credentials: readonly { username: string; password: string }[] }
  | { type: 'header'; name: string; values: readonly string[] }
  | { type: 'none'; allowInProduction?: boolean };

export type AuthResult =
  { ok: true } | { ok: false; reason: 'missing_credentials' | 'invalid_credentials'; challenge?: string };

export type Authenticator = (headers: IncomingHttpHeaders) => AuthResult;

// crypto.hash (Node 20.12+) digests in one call, without a Hash object: about half the CPU per
// request of createHash().update().digest(), which older Node 20 releases still fall back to.
const digest: (value: string) => Buffer =
  typeof crypto.hash === 'function'
    ? (value) => crypto.hash('sha256', value, 'buffer')
    : (value) => createHash('sha256').update(value, 'utf8').digest();

function matchesAny(presented: string, expected: readonly Buffer[]): boolean {
  const candidate = digest(presented);
  let matched = false;
  for (const secret of expected) matched = timingSafeEqual(candidate, secret) || matched;
  return matched;
}

/** Options are already checked by `resolveOptions`; this only builds the comparison. */
export function createAuthenticator(auth: AuthOption): Authenticator {
  switch (auth.type) {
    case 'none':
      return () => ({ ok: true });
    case 'bearer': {
      const expected = auth.tokens.map(digest);
      const challenge = 'Bearer realm="idwise-webhooks"';
      return (headers) => {
        const match = /^Bearer +(\S+) *$/i.exec(headers.authorization ?? '');
        if (!match) return { ok: false, reason: 'missing_credentials', challenge };
        return matchesAny(match[1]!, expected) ? { ok: true } : { ok: false, reason: 'invalid_credentials', challenge };
      };
    }
    case 'basic': {
      // basic-auth splits at the first colon, so `username:password` is unambiguous here too.
      const expected = auth.credentials.map(({ username, password }) => digest(`${username}:${password}`));
      const challenge = 'Basic realm="idwise-webhooks", charset="UTF-8"';
      return (headers) => {
        const credentials = basicAuth.parse(headers.authorization ?? '');
        if (!credentials) return { ok: false, reason: 'missing_credentials', challenge };
        return matchesAny(`${credentials.name}:${credentials.pass}`, expected)
          ? { ok: true }
          : { ok: false, reason: 'invalid_credentials', challenge };
      };
    }
    case 'header': {
      const expected = auth.values.map(digest);
      const name = auth.name.toLowerCase();
      return (headers) => {
        const value = headers[name];
        // A repeated header arrives as an array (or joined): refuse rather than guess which one counts.
        if (typeof value !== 'string') return { ok: false, reason: 'missing_credentials' };
        return matchesAny(value, expected) ? { ok: true } : { ok: false, reason: 'invalid_credentials' };
      };
    }
  }
}
