import type { Tracer } from '@opentelemetry/api';

/**
 * Makes a span of every idwise-webhooks delivery and a child span of each of its store calls, with
 * `tracer` (default: the global provider's); returns the function that stops it.
 */
export declare function traceWebhooks(tracer?: Tracer): () => void;
