import type { ServerResponse } from 'node:http';
import type { HttpResponse } from '../outcomes.js';

/** The faces' own answers, for what never reaches the pipeline or what the package failed at. */
export const NOT_FOUND: HttpResponse = { status: 404, headers: {}, body: { error: 'not_found' } };
export const INTERNAL_ERROR: HttpResponse = { status: 500, headers: {}, body: { error: 'internal_error' } };

/** A pipeline answer as every face sends it: JSON text, with the headers that say so. */
export function wireOf({ status, headers, body }: HttpResponse): {
  status: number;
  headers: Record<string, string>;
  text: string;
} {
  return {
    status,
    headers: { ...headers, 'Content-Type': 'application/json; charset=utf-8' },
    text: JSON.stringify(body),
  };
}

/** Writes a pipeline answer with node's own API, so it works the same under any framework version. */
export function writeResponse(res: ServerResponse, response: HttpResponse): void {
  const { status, headers, text } = wireOf(response);
  headers['Content-Length'] = String(Buffer.byteLength(text));
  res.writeHead(status, headers);
  res.end(text);
}
