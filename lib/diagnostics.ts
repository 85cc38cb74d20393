/**
 * What the package publishes on `node:diagnostics_channel` (`idwise-webhooks:delivery` and
 * `idwise-webhooks:store`, see trace-channels.ts), for metrics and traces with nothing installed:
 * APM agents and a few lines of `subscribe()` read it. Nothing is built while nobody subscribes.
 */
/**
 * The context of one delivery's trace: filled in as the pipeline learns each field. (`result` is
 * Node's own: the `HttpResponse`.)
 */
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
  /**
   * `claimed`, `in_flight` or `done` for a claim, `ok` for the others, `failed` when the call threw
   * or rejected, `timed_out` after storeTimeoutMs. (`result` and `error` are Node's own: the
   * store's answer, and what it threw.)
   */
  outcome?: string;
}
