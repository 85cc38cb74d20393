/**
 * `idwise-webhooks send`: delivers the planned payload `times` times, one after another or all at
 * once, and prints each answer. Exit 0 only when every answer is 200: that is all IDWise counts as
 * delivered, and anything else it retries.
 */
import { deliver, type Delivery } from '../testing/deliver.js';
import { SEND_HELP } from './help.js';
import type { CliOutput } from './output.js';
import { planSend, type SendPlan } from './send-plan.js';

/** One line of advice per status seen, printed once after the deliveries that were not 200. */
const HINTS: Record<string, string> = {
  '400': 'the payload was refused; the answer names the field (ajv path) that is wrong.',
  '401': 'the endpoint wants the credentials its auth option names: add --bearer, --basic or --header to match.',
  '403': "this machine's address is outside the endpoint's allowedIps.",
  '404':
    'nothing answers at this path; idwiseWebhooks() listens on /webhooks/idwise unless its path option says otherwise.',
  '409':
    'the same eventId was still being handled by an earlier delivery; IDWise retries after Retry-After, and that retry gets 200.',
  '413': "the payload is larger than the endpoint's limit option.",
  '415': 'the endpoint wants Content-Type: application/json; a --header content-type:... changed it.',
  '500': 'a listener threw; the event was not marked done, so a retry runs the listeners again.',
  '503':
    'listeners outlived handlerTimeoutMs, the endpoint is shutting down, or its dedupe store is unavailable; IDWise retries.',
  'no answer': 'is the server running, and listening at this address?',
};

type Attempt = { ok: true; delivery: Delivery } | { ok: false; reason: string };

export async function sendCommand(args: string[], output: CliOutput): Promise<number> {
  const plan = planSend(args);
  if (plan === 'help') {
    output.out(SEND_HELP);
    return 0;
  }
  output.out(`${describePlan(plan)}\n`);
  const attempt = async (n: number) => {
    const result = await attemptOne(plan);
    output.out(`#${n}  ${formatAttempt(result)}\n`);
    return result;
  };
  const attempts: Attempt[] = [];
  const numbers = Array.from({ length: plan.times }, (_, i) => i + 1);
  if (plan.concurrent) attempts.push(...(await Promise.all(numbers.map(attempt))));
  else for (const n of numbers) attempts.push(await attempt(n));

  const failed = attempts.filter((a) => !a.ok || a.delivery.status !== 200);
  if (failed.length === 0) return 0;
  const noun = plan.times === 1 ? 'The answer was' : `${failed.length} of ${plan.times} answers were`;
  output.err(`${noun} not 200: IDWise would retry ${failed.length === 1 ? 'that delivery' : 'those deliveries'}.\n`);
  const seen = new Set(failed.map((a) => (a.ok ? String(a.delivery.status) : 'no answer')));
  for (const status of seen) if (HINTS[status]) output.err(`  ${status}: ${HINTS[status]}\n`);
  return 1;
}

async function attemptOne(plan: SendPlan): Promise<Attempt> {
  try {
    const delivery = await deliver(plan.url, plan.payload, {
      auth: plan.auth,
      headers: plan.headers,
      timeoutMs: plan.timeoutMs,
    });
    return { ok: true, delivery };
  } catch (error) {
    return { ok: false, reason: reasonOf(error, plan.timeoutMs) };
  }
}

function describePlan(plan: SendPlan): string {
  const payload = plan.payload as { event?: unknown; body?: { eventId?: unknown } } | null;
  const event = typeof payload?.event === 'string' ? JSON.stringify(payload.event) : 'a payload without an event name';
  const eventId = typeof payload?.body?.eventId === 'string' ? `eventId ${payload.body.eventId}` : 'no eventId';
  const times =
    plan.times === 1 ? 'once' : `${plan.times} times${plan.concurrent ? ' at once' : ', one after another'}`;
  // Origin and path only: a query string might carry a secret.
  const where = `${plan.url.origin}${plan.url.pathname}${plan.url.search ? '?…' : ''}`;
  return `POST ${where}: ${event} (${eventId}), ${times}`;
}

function formatAttempt(attempt: Attempt): string {
  if (!attempt.ok) return `no answer: ${attempt.reason}`;
  const { status, body, headers } = attempt.delivery;
  const text = typeof body === 'string' ? body.replace(/\s+/g, ' ').trim() : JSON.stringify(body);
  const shown = text.length > 300 ? `${text.slice(0, 300)}…` : text;
  const retry = headers['retry-after'] ? `  (Retry-After: ${headers['retry-after']})` : '';
  return `${status}  ${shown}${retry}`;
}

function reasonOf(error: unknown, timeoutMs: number): string {
  const e = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError') return `no answer within ${timeoutMs} ms (--timeout)`;
  // A TypeError without a network cause was raised while building the request: its message may
  // quote a header value, which may be a credential.
  if (e.name === 'TypeError' && e.cause === undefined)
    return 'the request could not be built (check --header and --basic values)';
  return e.cause?.code ?? e.cause?.message ?? e.message ?? String(error);
}
