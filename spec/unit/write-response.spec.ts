import type { ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { toResponse, type Outcome } from '../../lib/outcomes.js';
import { writeResponse } from '../../lib/http/write-response.js';

/** Records what writeResponse hands to node, as a plain object per call. */
function recordingResponse() {
  const calls: { status: number; headers: Record<string, unknown>; text: string }[] = [];
  let pending: { status: number; headers: Record<string, unknown> } | undefined;
  const res = {
    writeHead(status: number, headers: Record<string, unknown>) {
      pending = { status, headers };
      return res;
    },
    end(text: string) {
      calls.push({ ...pending!, text });
      return res;
    },
  };
  return { res: res as unknown as ServerResponse, calls };
}

describe('writeResponse', () => {
  const respond = (outcome: Outcome) => toResponse(outcome, 60);

  it('writes the JSON body with its type and byte length', () => {
    const { res, calls } = recordingResponse();
    writeResponse(res, respond({ kind: 'in_flight' }));
    expect(calls).toEqual([
      {
        status: 409,
        headers: { 'Retry-After': '60', 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': '21' },
        text: '{"error":"in_flight"}',
      },
    ]);
  });

  it('hands node a fresh header object each time, so a wrapper that adds to one changes no later answer', () => {
    const { res, calls } = recordingResponse();
    const processed = respond({ kind: 'processed' });
    writeResponse(res, processed);
    calls[0]!.headers['X-Added-By-A-Wrapper'] = 'yes';
    writeResponse(res, processed);
    expect(calls[1]!.headers).not.toBe(calls[0]!.headers);
    expect(calls[1]!.headers).not.toHaveProperty('X-Added-By-A-Wrapper');
    expect(calls[1]!.text).toBe('{"status":"processed"}');
  });

  it('serialises an answer built for one delivery as it is', () => {
    const { res, calls } = recordingResponse();
    const issues = [{ path: '/body/journeyId', message: 'must be string' }];
    writeResponse(res, respond({ kind: 'invalid_payload', issues }));
    expect(JSON.parse(calls[0]!.text)).toEqual({ error: 'invalid_payload', details: issues });
    expect(calls[0]!.headers['Content-Length']).toBe(String(Buffer.byteLength(calls[0]!.text)));
  });
});
