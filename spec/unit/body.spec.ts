import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createPipeline } from '../../lib/index.js';
import { buildEvent } from '../../lib/testing/index.js';
import { AUTH, AUTHORIZED, pipelineRequest } from '../support/fixtures.js';
import { RecordingLogger } from '../support/recording-logger.js';

const JSON_TEXT = JSON.stringify(buildEvent('Finished Journey'));

/** Sends `raw` as an unread request stream, as node:http hands it over; a stream is sent as it is. */
async function send(
  raw: string | Buffer | Readable,
  contentType?: string,
  limit: number | string = '64kb',
  bodyTimeoutMs = 10_000,
) {
  const pipeline = createPipeline({ auth: AUTH, logger: new RecordingLogger(), limit, bodyTimeoutMs });
  const headers = { ...AUTHORIZED, ...(contentType === undefined ? {} : { 'content-type': contentType }) };
  const stream = raw instanceof Readable ? raw : Readable.from([Buffer.from(raw)], { objectMode: false });
  const { status, body } = await pipeline.handle(pipelineRequest(undefined, { headers, body: { stream } }));
  return { status, body };
}

describe('content type', () => {
  it('reads a body without Content-Type as JSON', async () => {
    expect(await send(JSON_TEXT)).toEqual({ status: 200, body: { status: 'processed' } });
  });

  it.each([
    'application/json',
    'application/json; charset=utf-8',
    'Application/JSON; charset=UTF-8',
    'application/vnd.idwise+json',
  ])('accepts %s', async (type) => {
    expect((await send(JSON_TEXT, type)).status).toBe(200);
  });

  it.each([
    'text/plain',
    'application/xml',
    'multipart/form-data; boundary=x',
    'application/json; charset=iso-8859-1',
    'not a type',
  ])('answers 415 to %s', async (type) => {
    expect(await send(JSON_TEXT, type)).toEqual({ status: 415, body: { error: 'unsupported_media_type' } });
  });

  it('judges each type on its own when they alternate (the last verdict is remembered)', async () => {
    const sequence: [string, number][] = [
      ['application/json', 200],
      ['application/json', 200],
      ['text/plain', 415],
      ['text/plain', 415],
      ['application/json', 200],
      ['application/json; charset=iso-8859-1', 415],
      ['application/json; charset=utf-8', 200],
    ];
    const statuses = [];
    for (const [type] of sequence) statuses.push((await send(JSON_TEXT, type)).status);
    expect(statuses).toEqual(sequence.map(([, status]) => status));
  });
});

describe('body text', () => {
  it('answers 400 invalid_json to invalid UTF-8 rather than decoding it with replacement characters', async () => {
    const invalid = Buffer.concat([
      Buffer.from('{"event":"Finished Journey","body":{"journeyId":"'),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('"}}'),
    ]);
    expect(await send(invalid, 'application/json')).toEqual({ status: 400, body: { error: 'invalid_json' } });
  });

  it.each(['', '{', '{"event": "Finished Journey",}', "{'event': 'x'}", 'undefined'])(
    'answers 400 invalid_json to %j',
    async (text) => {
      expect(await send(text, 'application/json')).toEqual({ status: 400, body: { error: 'invalid_json' } });
    },
  );

  it('accepts UTF-8 beyond ASCII in string values', async () => {
    const payload = buildEvent('Finished Journey', { body: { referenceNo: 'عميل-٤٢ ✓' } });
    expect((await send(JSON.stringify(payload), 'application/json')).status).toBe(200);
  });

  it('answers 413 to a body one byte over limit, and accepts one at the limit', async () => {
    const atLimit = JSON_TEXT.length;
    expect((await send(JSON_TEXT, undefined, atLimit)).status).toBe(200);
    expect(await send(JSON_TEXT, undefined, atLimit - 1)).toEqual({
      status: 413,
      body: { error: 'payload_too_large' },
    });
  });

  it('answers 400 body_timeout to a body still arriving after bodyTimeoutMs', async () => {
    const stalled = new Readable({ read() {} });
    stalled.push('{"event":"Finished Journey",');
    expect(await send(stalled, 'application/json', '64kb', 50)).toEqual({
      status: 400,
      body: { error: 'body_timeout' },
    });
  });
});

describe('a body stream after a refusal', () => {
  it('may still error once its sender hangs up, and that crashes nothing', async () => {
    // As a stream made from a Web body behaves: it goes on erroring after the reader let go.
    let pushed = 0;
    const stream = new Readable({
      read() {
        if (++pushed <= 4) this.push(Buffer.alloc(1_024, 0x20));
      },
    });
    expect(await send(stream, 'application/json', 2_048)).toEqual({
      status: 413,
      body: { error: 'payload_too_large' },
    });
    stream.destroy(new Error('the sender hung up'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(stream.destroyed).toBe(true);
  });
});
