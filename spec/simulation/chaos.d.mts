import type { RequestHandler } from 'express';
import type { DeliveryContext, DedupeStore, IdwisePayload, IdwiseWebhooksOptions, Logger } from '../../lib/index.js';

/** One HTTP request of the simulated sender: which event, which attempt, which copy of a double send. */
export interface SimulatedDelivery {
  index: number;
  attempt: number;
  copy: number;
  final: boolean;
}

export declare const SIMULATION: Readonly<{
  retryDelaysMs: readonly number[];
  leaseMs: number;
  retentionMs: number;
  handlerTimeoutMs: number;
  storeTimeoutMs: number;
  listener: Readonly<{ throws: number; slow: number; pastTimeout: number; throwsPastTimeout: number }>;
  store: Readonly<{ slow: number; pastTimeout: number; claimFails: number; releaseFails: number }>;
  sendTwice: number;
}>;

export declare const DELIVERY_HEADER: string;
export declare function uniform(seed: number, ...parts: number[]): number;
export declare function listenerFate(
  seed: number,
  delivery: SimulatedDelivery | undefined,
): { kind: 'succeeds' | 'throws'; ms: number };
export declare function storeFate(
  seed: number,
  delivery: SimulatedDelivery | undefined,
  operation: 'claim' | 'complete' | 'release',
): { ms: number; fails: boolean };
export declare function sendsTwice(seed: number, index: number, attempt: number): boolean;
export declare function routeOf(seed: number, index: number, attempt: number, copy: number): 0 | 1;
export declare function formatDelivery(delivery: SimulatedDelivery): string;
export declare const deliveryContext: RequestHandler;
export declare function chaosStore(inner: DedupeStore, seed: number): DedupeStore;
/** How a listener call went: `start` (with how long it will take), then `ok` or `threw`. */
export type ListenerPhase = 'start' | 'ok' | 'threw';
export type ListenerRecorder = (dedupeKey: string, phase: ListenerPhase, ms: number) => unknown;
export declare function chaosListener(
  seed: number,
  record: ListenerRecorder,
): (payload: IdwisePayload, ctx: DeliveryContext) => Promise<void>;
export declare function countingLogger(): { counts: Map<string, number>; logger: Logger };
export declare function simulationApp(options: {
  express: () => unknown;
  idwiseWebhooks: (options: IdwiseWebhooksOptions) => unknown;
  store: DedupeStore;
  seed: number;
  token: string;
  record: ListenerRecorder;
  logger: Logger;
}): { app: import('node:http').RequestListener; webhooks: { close(): Promise<void> } };
