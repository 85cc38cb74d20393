import type { IdwiseEventName } from '../../lib/index.js';
import type { AuthOption, WebhookPipeline, WebhookRequest } from '../../lib/index.js';

/** The credential every spec configures unless it is testing authentication itself. */
export const TOKEN = 'spec-token-7f3a9c';
export const AUTH: AuthOption = { type: 'bearer', tokens: [TOKEN] };
export const AUTHORIZED = { authorization: `Bearer ${TOKEN}` };

/** A logger that drops everything, for specs that do not look at the logs. */
export const quiet = { debug() {}, info() {}, warn() {}, error() {} };

/** An `Authorization` header value for HTTP Basic. */
export const basicAuthorization = (username: string, password: string) =>
  `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;

/** A request as a face would hand it to the pipeline, with a body a host app's parser already read. */
export function pipelineRequest(body: unknown, overrides: Partial<WebhookRequest> = {}): WebhookRequest {
  return { method: 'POST', headers: AUTHORIZED, ip: '127.0.0.1', body: { parsed: body }, ...overrides };
}

/** Delivers `payload` straight to the pipeline, no HTTP in between. */
export const handle = (pipeline: WebhookPipeline, payload: unknown, overrides: Partial<WebhookRequest> = {}) =>
  pipeline.handle(pipelineRequest(payload, overrides));

/** Every emitter event a delivery can fire (handlerError aside), as the issue's table names them. */
export const DELIVERY_EVENTS: IdwiseEventName[] = [
  'journeyCompleted',
  'manualReview',
  'amlUpdate',
  'journeyUpdated',
  'userStepsFinished',
  'stepFinished',
  'spotCheckFinished',
  'verificationUpdateRequired',
  'kycRenewalDeadlineExceeded',
  'unknownEvent',
  'webhook',
];
