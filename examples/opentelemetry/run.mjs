// `node examples/opentelemetry/run.mjs`: a few deliveries to an Express app traced by tracing.mjs,
// then the spans they made. A real app sets up the SDK with an exporter (OTLP) instead of memory.
import { context, SpanStatusCode } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import express from 'express';
import { idwiseWebhooks } from 'idwise-webhooks';
import { buildEvent } from 'idwise-webhooks/testing';
import { traceWebhooks } from './tracing.mjs';

// As the SDK's NodeSDK does: the delivery span's parent is then whatever span is active (an HTTP span).
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
traceWebhooks(provider.getTracer('idwise-webhooks'));

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const webhooks = idwiseWebhooks({ auth: { type: 'bearer', tokens: ['dev-token'] }, logger: quiet });
webhooks.events.on('journeyCompleted', async (payload) => {
  if (payload.body.referenceNo === 'crm-down') throw new Error('CRM unavailable');
});
const app = express().use(webhooks);
const server = app.listen(0, '127.0.0.1');
await new Promise((resolve) => server.once('listening', resolve));
const url = `http://127.0.0.1:${server.address().port}/webhooks/idwise`;

async function send(payload, token = 'dev-token') {
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const response = await fetch(url, { method: 'POST', headers, body: JSON.stringify(payload) });
  await response.text();
}

const finished = buildEvent('Finished Journey');
await send(finished);
await send(finished);
await send(buildEvent('Finished Journey', { body: { referenceNo: 'crm-down' } }));
await send(buildEvent('Finished Journey'), 'wrong-token');
await webhooks.close();
server.close();

const spans = exporter.getFinishedSpans();
const childrenOf = (span) => spans.filter((s) => s.parentSpanContext?.spanId === span.spanContext().spanId);
const describe = (span) => {
  const status = span.status.code === SpanStatusCode.ERROR ? ` [ERROR ${span.status.message}]` : '';
  const attributes = Object.entries(span.attributes).map(([key, value]) => `${key}=${value}`);
  return `${span.name}${status}: ${attributes.join(' ')}`;
};
for (const span of spans.filter((s) => s.name === 'idwise-webhooks delivery')) {
  console.log(describe(span));
  for (const child of childrenOf(span)) console.log(`  └ ${describe(child)}`);
}
