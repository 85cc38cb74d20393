import type { ServerResponse } from 'node:http';
import type { HttpResponse } from './outcomes.js';

interface Wire {
  headers: Record<string, string | number>;
  text: string;
}

// A frozen answer is one the pipeline reuses for every delivery that ends the same way (200
// processed, 200 duplicate, 409, ...): its headers and JSON text are made once, not per request.
const prepared = new WeakMap<HttpResponse, Wire>();

function wireOf({ headers, body }: HttpResponse): Wire {
  const text = JSON.stringify(body);
  return {
    headers: {
      ...headers,
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': Buffer.byteLength(text),
    },
    text,
  };
}

/** Writes a pipeline answer with node's own API, so it works the same under any framework version. */
export function writeResponse(res: ServerResponse, response: HttpResponse): void {
  let wire = prepared.get(response);
  if (wire === undefined) {
    wire = wireOf(response);
    if (Object.isFrozen(response)) prepared.set(response, wire);
  }
  // A copy: node leaves the object alone, but a wrapper of writeHead (an APM agent, say) might add
  // to it, and the cached one must not carry that into every later answer.
  res.writeHead(response.status, { ...wire.headers });
  res.end(wire.text);
}
