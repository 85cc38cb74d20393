/**
 * Property-based tests over request bodies and headers: whatever arrives, the answer is one of the
 * documented statuses, a refused request runs no listener and claims no key, nothing pollutes a
 * prototype, and an accepted one reaches listeners exactly as sent, as plain data.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KNOWN_EVENTS, type KnownEventName } from '../../lib/index.js';
import { buildEvent } from '../../lib/testing/index.js';
import {
  AUTHORIZED,
  DOCUMENTED,
  expectNothingHappenedSince,
  FUZZ_SEED,
  startFuzzServer,
  type Answer,
  type FuzzServer,
} from './fuzz-server.js';

const LIMIT = 64 * 1024;
const EVENT_NAMES = Object.keys(KNOWN_EVENTS) as KnownEventName[];
const ERROR_CODES = new Set(['invalid_json', 'invalid_payload', 'unsupported_media_type', 'payload_too_large']);
const run = <T>(property: fc.IAsyncProperty<T>, numRuns: number) => fc.assert(property, { seed: FUZZ_SEED, numRuns });

let server: FuzzServer;
let parsedFirst: FuzzServer;
beforeAll(async () => {
  console.log(`[fuzz] hostile-input: fast-check seed ${FUZZ_SEED} (set FUZZ_SEED to change it)`);
  [server, parsedFirst] = await Promise.all([startFuzzServer(), startFuzzServer({ jsonParser: true })]);
});
afterAll(async () => {
  // Resolves only once nothing is in flight: no request left a delivery hanging.
  await Promise.all([server.close(), parsedFirst.close()]);
});

const postJson = (target: FuzzServer, text: string | Buffer, contentType = 'application/json') =>
  target.request(text, { ...AUTHORIZED, 'content-type': contentType });

/**
 * What every answer must satisfy: a documented status; a refusal changed nothing and names a known
 * error; an acceptance reached the listeners as exactly the JSON that was sent, as plain data.
 */
function expectAnswerHonest(target: FuzzServer, mark: ReturnType<FuzzServer['mark']>, answer: Answer, sent: string) {
  expect(DOCUMENTED).toContain(answer.status);
  const body = JSON.parse(answer.text) as { status?: string; error?: string };
  if (answer.status !== 200) {
    expect(ERROR_CODES).toContain(body.error);
    expectNothingHappenedSince(target, mark);
    return;
  }
  const heard = target.heard.slice(mark.heard);
  if (body.status === 'duplicate') {
    expect(heard).toEqual([]);
    return;
  }
  expect(body.status).toBe('processed');
  expect(heard.filter((h) => h.name === 'webhook')).toHaveLength(1);
  expect(heard.filter((h) => h.name === 'handlerError')).toEqual([]);
  // JSON.stringify keeps own keys named __proto__, so this compares the data as sent, key for key.
  for (const { payload } of heard) {
    expect(JSON.stringify(payload)).toBe(JSON.stringify(JSON.parse(sent)));
    expectPlainData(payload);
  }
}

function expectPlainData(value: unknown): void {
  if (typeof value !== 'object' || value === null) return;
  expect([Object.prototype, Array.prototype]).toContain(Object.getPrototypeOf(value));
  for (const key of Object.keys(value)) expectPlainData((value as Record<string, unknown>)[key]);
}

const PROTOTYPES = [Object.prototype, Array.prototype, Function.prototype, String.prototype];
const pristine = PROTOTYPES.map((p) => Object.getOwnPropertyNames(p).sort());
function expectNoPollution(): void {
  expect(PROTOTYPES.map((p) => Object.getOwnPropertyNames(p).sort())).toEqual(pristine);
  const probe = {} as Record<string, unknown>;
  for (const key of ['polluted', 'isAdmin', 'approved']) {
    expect(probe[key]).toBeUndefined();
    expect(([] as unknown as Record<string, unknown>)[key]).toBeUndefined();
  }
}

// JSON written by hand: objects as lists of entries, so keys may repeat and may be __proto__.
type Tree = { entries: [string, Tree][] } | { items: Tree[] } | { leaf: unknown };
const DANGEROUS_KEYS = ['__proto__', 'constructor', 'prototype', 'polluted', 'isAdmin', 'toString', 'hasOwnProperty'];
const FIELD_KEYS = ['eventId', 'journeyId', 'referenceNo', 'systemDecision', 'requiredSteps', 'stepId'];
const key = fc.oneof(fc.constantFrom(...DANGEROUS_KEYS), fc.constantFrom(...FIELD_KEYS), fc.string({ maxLength: 6 }));
const leaf = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.string({ maxLength: 12 }),
);
const { tree } = fc.letrec<{ tree: Tree; entries: Tree; items: Tree }>((tie) => ({
  tree: fc.oneof(
    { depthSize: 'small' },
    leaf.map((value) => ({ leaf: value })),
    tie('entries'),
    tie('items'),
  ),
  entries: fc.array(fc.tuple(key, tie('tree')), { maxLength: 5 }).map((entries) => ({ entries })),
  items: fc.array(tie('tree'), { maxLength: 4 }).map((items) => ({ items })),
}));
const entriesOf = fc.array(fc.tuple(key, tree), { maxLength: 6 });

function serialise(node: Tree): string {
  if ('entries' in node) return `{${node.entries.map(([k, v]) => `${JSON.stringify(k)}:${serialise(v)}`).join(',')}}`;
  if ('items' in node) return `[${node.items.map(serialise).join(',')}]`;
  return JSON.stringify(node.leaf);
}

describe('any bytes, any content type', () => {
  const contentType = fc.oneof(
    fc.constantFrom(
      'application/json',
      'application/json; charset=utf-8',
      'application/vnd.idwise+json',
      'text/plain',
      'application/json; charset=latin1',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      ';;;',
    ),
    fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 40 }),
  );
  const bytes = fc.oneof(
    fc.uint8Array({ maxLength: 2048 }).map((a) => Buffer.from(a)),
    fc.string({ unit: 'binary', maxLength: 300 }).map((s) => Buffer.from(s)),
    // JSON cut short or with a byte changed: nearly valid is where parsers slip.
    fc.tuple(fc.json({ depthSize: 'small' }), fc.nat(), fc.integer({ min: 0, max: 255 })).map(([json, at, byte]) => {
      const b = Buffer.from(json);
      if (b.length === 0) return b;
      return at % 2 ? b.subarray(0, at % b.length) : Buffer.concat([b.subarray(0, at % b.length), Buffer.of(byte)]);
    }),
  );

  it('answers 400 or 415 with a known error code, and runs no listener and claims no key', async () => {
    const seen = new Set<string>();
    await run(
      fc.asyncProperty(bytes, contentType, async (body, type) => {
        const mark = server.mark();
        const answer = await postJson(server, body, type);
        expect([400, 415]).toContain(answer.status);
        expectAnswerHonest(server, mark, answer, body.toString('utf8'));
        seen.add((JSON.parse(answer.text) as { error: string }).error);
      }),
      300,
    );
    // The generators reach every refusal a body can earn, not just the first.
    expect([...seen].sort()).toEqual(['invalid_json', 'invalid_payload', 'unsupported_media_type']);
  });
});

describe('JSON of any shape', () => {
  const envelopeText = fc
    .record({
      event: fc.oneof(fc.constantFrom(...EVENT_NAMES), fc.string({ maxLength: 10 })),
      eventId: fc.uuid(),
      body: entriesOf,
      top: entriesOf,
    })
    .map(({ event, eventId, body, top }) =>
      serialise({
        entries: [
          ['event', { leaf: event }],
          ['body', { entries: [['eventId', { leaf: eventId }], ['journeyId', { leaf: 'j' }], ...body] }],
          ...top,
        ],
      }),
    );
  const anyText = fc.oneof(envelopeText, tree.map(serialise));

  // express.json() answers a top-level non-object itself (strict mode), before the webhooks see it:
  // only envelopes go to the app that mounts it.
  it.each([
    ['read from the stream', () => server, anyText],
    ['parsed first by express.json()', () => parsedFirst, envelopeText],
  ])(
    'gives listeners exactly what was sent, as plain data, or refuses it; no __proto__, constructor or prototype key pollutes anything (%s)',
    async (_how, target, texts) => {
      const seen = new Set<number>();
      await run(
        fc.asyncProperty(texts, async (text) => {
          const mark = target().mark();
          const answer = await postJson(target(), text);
          expectAnswerHonest(target(), mark, answer, text);
          expectNoPollution();
          seen.add(answer.status);
        }),
        300,
      );
      // Both sides were exercised: dangerous keys reached listeners, and refusals happened.
      expect([...seen].sort()).toEqual([200, 400]);
    },
  );

  it('reads a __proto__ key in a body as data: the listener sees it as an own field, and no prototype changes', async () => {
    const eventId = `proto-${FUZZ_SEED}`;
    const text = `{"event":"Finished Journey","body":{"eventId":"${eventId}","journeyId":"j","__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}}},"__proto__":{"isAdmin":true}}`;
    const mark = server.mark();
    const answer = await postJson(server, text);
    expect(answer.status).toBe(200);
    const [heard] = server.heard.slice(mark.heard).filter((h) => h.name === 'webhook');
    const payload = heard!.payload as { body: Record<string, unknown> } & Record<string, unknown>;
    expect(Object.hasOwn(payload.body, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(payload.body)).toBe(Object.prototype);
    expect(JSON.stringify(payload.body['__proto__'])).toBe('{"polluted":"yes"}');
    expect(Object.hasOwn(payload, '__proto__')).toBe(true);
    expect(payload.isAdmin).toBeUndefined();
    expectNoPollution();
  });
});

/** Which JSON values a field's schema admits, judged independently of ajv. */
interface FieldSchema {
  type?: string | string[];
  minLength?: number;
  items?: { properties?: Record<string, FieldSchema> };
}
function admits(schema: FieldSchema, value: unknown): boolean {
  return [schema.type ?? []].flat().some((type) => {
    switch (type) {
      case 'string':
        return typeof value === 'string' && value.length >= (schema.minLength ?? 0);
      case 'null':
        return value === null;
      case 'integer':
        return Number.isInteger(value);
      case 'number':
        return typeof value === 'number' && Number.isFinite(value);
      case 'array':
        return Array.isArray(value);
      case 'object':
        return typeof value === 'object' && value !== null && !Array.isArray(value);
      default:
        throw new Error(`admits: no rule for type ${type}`);
    }
  });
}

describe('wrong JSON types for every known field of every known event', () => {
  // Every typed field of every event's body, and of the items of its arrays; `body` itself too.
  const cases = EVENT_NAMES.flatMap((event) => {
    const properties = (KNOWN_EVENTS[event].body as { properties: Record<string, FieldSchema> }).properties;
    const fields: { event: KnownEventName; path: (string | number)[]; schema: FieldSchema }[] = [
      { event, path: ['body'], schema: { type: 'object' } },
    ];
    for (const [field, schema] of Object.entries(properties)) {
      if (schema.type) fields.push({ event, path: ['body', field], schema });
      for (const [item, itemSchema] of Object.entries(schema.items?.properties ?? {}))
        fields.push({ event, path: ['body', field, 0, item], schema: itemSchema });
    }
    return fields;
  });
  const MARK = 'LEAK-';
  const wrongValue = fc.oneof(
    fc.jsonValue({ maxDepth: 2 }),
    fc.string({ maxLength: 12 }).map((s) => MARK + s),
    fc.constantFrom('', 1.5, -1, 0, 2 ** 53 + 2, [], {}, true, false, null, [MARK], { [MARK]: MARK }),
  );
  const wrong = fc
    .constantFrom(...cases)
    .chain((c) => wrongValue.filter((value) => !admits(c.schema, value)).map((value) => ({ ...c, value })));

  function withValue(payload: Record<string, unknown>, path: (string | number)[], value: unknown) {
    const copy = structuredClone(payload) as Record<string | number, unknown>;
    let at = copy;
    path.slice(0, -1).forEach((step, i) => {
      at[step] ??= typeof path[i + 1] === 'number' ? [{}] : {};
      at = at[step] as Record<string | number, unknown>;
    });
    at[path.at(-1)!] = value;
    return copy;
  }

  it(`answers 400 invalid_payload at the field's path, echoing no value, claiming nothing; the valid delivery of the same event is then processed (${cases.length} fields)`, async () => {
    await run(
      fc.asyncProperty(wrong, async ({ event, path, value }) => {
        const valid = buildEvent(event);
        const mark = server.mark();
        const answer = await postJson(server, JSON.stringify(withValue(valid, path, value)));

        expect(answer.status).toBe(400);
        const body = JSON.parse(answer.text) as { error: string; details: { path: string }[] };
        expect(body.error).toBe('invalid_payload');
        expect(body.details[0]!.path).toBe(`/${path.join('/')}`);
        expect(answer.text).not.toContain(MARK);
        expectNothingHappenedSince(server, mark);

        const retry = await postJson(server, JSON.stringify(valid));
        expect(JSON.parse(retry.text)).toEqual({ status: 'processed' });
        expect(server.heard.slice(mark.heard).filter((h) => h.name === 'webhook')).toHaveLength(1);
      }),
      400,
    );
  });
});

describe('numbers out of range', () => {
  const NUMBERS = [
    '1e400',
    '-1e400',
    '1e-400',
    '-0',
    '4.9e-324',
    '1.7976931348623157e308',
    '9007199254740993',
    '123456789012345678901234567890',
    '1.0',
    '2e0',
  ];
  const FIELDS: [KnownEventName, string][] = [
    ['AML Monitor Update', 'updatedAMLVersionNumber'],
    ['Finished Step', 'stepId'],
    ['Finished Journey', 'systemDecision'],
    ['Finished Journey', 'somethingNew'],
  ];

  it.each(FIELDS)(
    '%s.%s: refused when the parsed number does not fit the field, else passed on as parsed; never a 500',
    async (event, field) => {
      for (const number of NUMBERS) {
        const payload = buildEvent(event);
        const text = JSON.stringify(payload).replace(/\}\}$/, `,${JSON.stringify(field)}:${number}}}`);
        const parsed = JSON.parse(number) as number;
        const properties = (KNOWN_EVENTS[event].body as { properties: Record<string, FieldSchema> }).properties;
        const fits = properties[field] ? admits(properties[field], parsed) : true;
        const mark = server.mark();
        const answer = await postJson(server, text);
        expect({ number, status: answer.status }).toEqual({ number, status: fits ? 200 : 400 });
        expectAnswerHonest(server, mark, answer, text);
        if (fits) {
          const heard = server.heard.slice(mark.heard).find((h) => h.name === 'webhook')!;
          expect((heard.payload as { body: Record<string, unknown> }).body[field]).toBe(parsed);
        }
      }
    },
  );
});

describe('deep nesting and huge arrays', () => {
  const nested = (depth: number, kind: 'array' | 'object') =>
    kind === 'array' ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + 'null' + '}'.repeat(depth);

  it('answers every depth within the size limit with 200 or 400, never 500, and keeps serving', async () => {
    await run(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 12_000 }),
        fc.constantFrom('array', 'object'),
        fc.constantFrom('whole body', 'unknown field', 'unknown field without eventId', 'manualReviewDetails'),
        async (depth, kind, where) => {
          const deep = nested(depth, kind as 'array' | 'object');
          const payload =
            where === 'unknown field without eventId'
              ? buildEvent('Step Submitted')
              : where === 'manualReviewDetails'
                ? buildEvent('Updated Journey')
                : buildEvent('Finished Journey');
          const field = where === 'manualReviewDetails' ? 'manualReviewDetails' : 'extra';
          const text =
            where === 'whole body' ? deep : JSON.stringify(payload).replace(/\}\}$/, `,"${field}":${deep}}}`);
          const mark = server.mark();
          const answer = await postJson(server, text);
          expect(DOCUMENTED).toContain(answer.status);
          if (Buffer.byteLength(text) > LIMIT) expect(answer.status).toBe(413);
          // A whole body that is not an envelope is refused; inside a body, depth is IDWise's business.
          else if (where === 'whole body') expect(answer.status).toBe(400);
          else if (where !== 'unknown field without eventId') expect(answer.status).toBe(200);
          // Without eventId the key is a hash of the whole payload: absurd depth may be refused.
          else expect([200, 400]).toContain(answer.status);
          if (answer.status !== 200) expectNothingHappenedSince(server, mark);
        },
      ),
      40,
    );
  });

  it('validates every item of a huge array: one bad item among thousands is refused at its index', async () => {
    await run(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 15_000 }),
        fc.constantFrom('{}', '0', 'null', '"x"'),
        async (length, item) => {
          const items = Array.from({ length }, () => '{}');
          if (length > 0) items[length - 1] = item;
          const text = JSON.stringify(buildEvent('Verification Update Required')).replace(
            /"requiredSteps":\[[^\]]*\]/,
            `"requiredSteps":[${items.join(',')}]`,
          );
          const mark = server.mark();
          const answer = await postJson(server, text);
          if (Buffer.byteLength(text) > LIMIT) expect(answer.status).toBe(413);
          else if (length === 0 || item === '{}') expect(answer.status).toBe(200);
          else {
            expect(answer.status).toBe(400);
            expect(JSON.parse(answer.text)).toMatchObject({
              details: [{ path: `/body/requiredSteps/${length - 1}` }],
            });
          }
          if (answer.status !== 200) expectNothingHappenedSince(server, mark);
        },
      ),
      40,
    );
  });

  it('answers 413 to a body over limit, however it is made, and claims nothing', async () => {
    const payload = buildEvent('Finished Journey');
    for (const filler of ['"x"', '0', '[]', '{"__proto__":{}}']) {
      const items = Array.from({ length: Math.ceil(LIMIT / filler.length) + 1 }, () => filler).join(',');
      const text = JSON.stringify(payload).replace(/\}\}$/, `,"extra":[${items}]}}`);
      const mark = server.mark();
      const answer = await postJson(server, text);
      expect(answer.status).toBe(413);
      expectNothingHappenedSince(server, mark);
    }
    const after = await postJson(server, JSON.stringify(payload));
    expect(JSON.parse(after.text)).toEqual({ status: 'processed' });
  });
});

describe('invalid UTF-8', () => {
  // Stray continuation bytes, overlong forms, surrogates, truncated sequences, bytes never valid.
  const INVALID = [
    [0x80],
    [0xbf],
    [0xc0, 0x80],
    [0xc1, 0xbf],
    [0xe0, 0x80, 0x80],
    [0xed, 0xa0, 0x80],
    [0xe2, 0x82],
    [0xf0, 0x9f, 0x98],
    [0xf4, 0x90, 0x80, 0x80],
    [0xfe],
    [0xff],
  ];

  it('answers 400 invalid_json wherever an invalid sequence appears, claims nothing, and then processes the valid delivery', async () => {
    await run(
      fc.asyncProperty(
        fc.constantFrom(...EVENT_NAMES),
        fc.constantFrom(...INVALID),
        fc.nat(),
        async (event, sequence, at) => {
          const valid = buildEvent(event);
          const text = Buffer.from(JSON.stringify(valid));
          // Inside a string value (past the first quote), where a lenient decoder would substitute U+FFFD.
          const quotes = [...text.entries()].filter(([, b]) => b === 0x22).map(([i]) => i);
          const cut = quotes[at % quotes.length]! + 1;
          const body = Buffer.concat([text.subarray(0, cut), Buffer.from(sequence), text.subarray(cut)]);
          const mark = server.mark();
          const answer = await postJson(server, body);
          expect(answer.status).toBe(400);
          expect(JSON.parse(answer.text)).toEqual({ error: 'invalid_json' });
          expectNothingHappenedSince(server, mark);
          expect(JSON.parse((await postJson(server, JSON.stringify(valid))).text)).toEqual({ status: 'processed' });
        },
      ),
      150,
    );
  });
});

describe('methods and headers', () => {
  const token = fc.string({
    unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.~+/='),
    maxLength: 40,
  });
  const printable = fc.string({
    unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
    maxLength: 60,
  });

  it('answers 405 with Allow: POST to every other method, running nothing', async () => {
    for (const method of ['GET', 'HEAD', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']) {
      const mark = server.mark();
      const answer = await server.request(JSON.stringify(buildEvent('Finished Journey')), AUTHORIZED, method);
      expect({ method, status: answer.status, allow: answer.headers.allow }).toEqual({
        method,
        status: 405,
        allow: 'POST',
      });
      expectNothingHappenedSince(server, mark);
    }
  });

  it('answers 401 to any Authorization header but the configured one, running nothing', async () => {
    const authorization = fc.oneof(
      token.map((t) => `Bearer ${t}`),
      token.map((t) => `Basic ${t}`),
      printable,
      fc.constantFrom('Bearer', 'Bearer ', 'bearer  ', `Bearer ${AUTHORIZED.authorization}`, 'Bearer fuzz-token'),
    );
    await run(
      fc.asyncProperty(authorization, fc.constantFrom(...EVENT_NAMES), async (header, event) => {
        fc.pre(header.trim() !== AUTHORIZED.authorization);
        const mark = server.mark();
        const answer = await server.request(JSON.stringify(buildEvent(event)), {
          authorization: header,
          'content-type': 'application/json',
        });
        expect(answer.status).toBe(401);
        expect(JSON.parse(answer.text)).toEqual({ error: 'unauthorized' });
        expectNothingHappenedSince(server, mark);
      }),
      200,
    );
  });

  it('is not swayed by any other header: whatever else is sent, a valid delivery is processed once', async () => {
    const headerName = fc.string({
      unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz-'),
      minLength: 1,
      maxLength: 20,
    });
    const others = fc.dictionary(
      fc.oneof(
        headerName,
        fc.constantFrom('x-forwarded-for', 'x-real-ip', 'x-idwise-event', 'x-http-method-override', 'idempotency-key'),
      ),
      printable,
      { maxKeys: 6 },
    );
    await run(
      fc.asyncProperty(others, fc.constantFrom(...EVENT_NAMES), async (headers, event) => {
        // Framing and credentials are what the other properties vary; here they stay right.
        for (const name of [
          'content-length',
          'transfer-encoding',
          'content-type',
          'authorization',
          'host',
          'connection',
          'expect',
          'content-encoding',
          'upgrade',
        ])
          delete headers[name];
        const text = JSON.stringify(buildEvent(event));
        const mark = server.mark();
        const answer = await server.request(text, { ...headers, ...AUTHORIZED, 'content-type': 'application/json' });
        expect(answer.status).toBe(200);
        expectAnswerHonest(server, mark, answer, text);
      }),
      150,
    );
  });
});
