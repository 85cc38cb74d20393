/**
 * What the package publishes on `node:diagnostics_channel` (trace-channels.ts), for metrics and
 * traces with nothing installed. Nothing is built while nobody subscribes.
 */
/** One delivery's trace, filled in as the pipeline learns each field. (Node's own `result` is the `HttpResponse`.) */
export interface DeliveryTrace {
  /** The HTTP status answered. */
  status?: number;
  /** The answer's code: `processed`, `duplicate`, `in_flight`, `invalid_payload`, `unauthorized`, ... */
  outcome?: string;
  /** IDWise's `event` string, once the body was read. */
  event?: string;
  eventId?: string;
  dedupeKey?: string;
}

/** The context of one store call's trace. */
export interface StoreTrace {
  operation: 'claim' | 'complete' | 'release';
  dedupeKey: string;
  /** `claimed`, `in_flight` or `done` for a claim, `ok` for the others, `failed` when it threw, `timed_out`. */
  outcome?: string;
}
