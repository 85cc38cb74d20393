import type { ServerResponse } from 'node:http';
import type { HttpResponse } from '../outcomes.js';

/** Writes a pipeline answer with node's own API, so it works the same under any framework version. */
export function writeResponse(res: ServerResponse, { status, headers, body }: HttpResponse): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}
