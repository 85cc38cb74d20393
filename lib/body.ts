/** From request to parsed JSON: content type, size limit, read timeout, UTF-8, JSON. Each failure is a result. */
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import contentType from 'content-type';
import getRawBody from 'raw-body';
import { TIMED_OUT, withTimeout } from './timeout.js';

export type BodyFailure =
  'unsupported_media_type' | 'payload_too_large' | 'invalid_body' | 'body_timeout' | 'invalid_json';

export type BodyResult = { ok: true; value: unknown } | { ok: false; reason: BodyFailure };

/** What the framework hands over: the unread stream, or what a body parser mounted earlier made of it. */
export type RequestBody = { stream: Readable } | { parsed: unknown };

export interface BodyLimits {
  limit: number;
  timeoutMs: number;
}

/** A missing content type is read as JSON (some senders omit it); any other type is refused. */
function acceptsContentType(header: string | undefined): boolean {
  if (header === undefined) return true;
  let parsed: contentType.ParsedMediaType;
  try {
    parsed = contentType.parse(header);
  } catch {
    return false;
  }
  const json = parsed.type === 'application/json' || parsed.type.endsWith('+json');
  // JSON is UTF-8 on the wire (RFC 8259); a declared other charset is a sender we would misread.
  const charset = parsed.parameters.charset?.toLowerCase();
  return json && (charset === undefined || charset === 'utf-8' || charset === 'utf8');
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function parseJson(raw: Buffer | string): BodyResult {
  try {
    // fatal: invalid UTF-8 is refused rather than silently replaced, which would change the payload.
    const text = typeof raw === 'string' ? raw : utf8.decode(raw);
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false, reason: 'invalid_json' };
  }
}

export async function readJsonBody(
  body: RequestBody,
  headers: IncomingHttpHeaders,
  limits: BodyLimits,
): Promise<BodyResult> {
  if (!acceptsContentType(headers['content-type'])) return { ok: false, reason: 'unsupported_media_type' };
  if ('parsed' in body) return fromParsed(body.parsed, headers, limits);
  body.stream.on('error', ignoreLateErrors);
  let raw: Buffer | typeof TIMED_OUT;
  try {
    raw = await withTimeout(
      getRawBody(body.stream, { limit: limits.limit, length: headers['content-length'] }),
      limits.timeoutMs,
    );
  } catch (error) {
    return {
      ok: false,
      reason: (error as { type?: string }).type === 'entity.too.large' ? 'payload_too_large' : 'invalid_body',
    };
  }
  return raw === TIMED_OUT ? { ok: false, reason: 'body_timeout' } : parseJson(raw);
}

/**
 * A stream left half-read after a refusal may error once its sender hangs up, when raw-body has let
 * go of it: a Web body's stream (Bun, Deno) would then crash the process with no listener.
 */
function ignoreLateErrors(): void {}

// The host app mounted express.json(), express.raw() or express.text() before this router.
function fromParsed(parsed: unknown, headers: IncomingHttpHeaders, limits: BodyLimits): BodyResult {
  // The host's parser has its own, usually larger, limit (express.json(): 100kb): `limit` still holds.
  if (Number(headers['content-length']) > limits.limit) return { ok: false, reason: 'payload_too_large' };
  if (Buffer.isBuffer(parsed) || typeof parsed === 'string') {
    if (Buffer.byteLength(parsed) > limits.limit) return { ok: false, reason: 'payload_too_large' };
    return parseJson(parsed);
  }
  return { ok: true, value: parsed };
}
