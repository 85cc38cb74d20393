/**
 * `idwise-webhooks send`: delivers the planned payload `times` times to each URL, one after another
 * or all at once, and prints each answer. Exit 0 only when every answer is 200: that is all IDWise
 * counts as delivered, and anything else it retries.
 */
import { deliver, type Delivery } from '../testing/deliver.js';
import { SEND_HELP } from './help.js';
import type { CliOutput } from './output.js';
import { planSend, shownUrl, type SendPlan } from './send-plan.js';

/** One line of advice per status seen, printed once after the deliveries that were not 200. */
const HINTS: Record<string, string> = {
  '400': 'the payload was refused; the answer names the field (ajv path) that is wrong.',
  '401': 'the endpoint wants the credentials its auth option names: add --bearer, --basic or --header to match.',
  '403': "this machine's address is outside the endpoint's allowedIps.",
  '404':
    'nothing answers at this path; idwiseWebhooks() listens on /webhooks/idwise unless its path option says otherwise.',
  '409':
    'the same eventId was still being handled by an earlier delivery (to this instance, or another sharing its dedupe store); ' +
    'IDWise retries after Retry-After, and that retry gets 200.',
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
  if ('print' in plan) {
    output.out(`${JSON.stringify(plan.print, null, 2)}\n`);
    return 0;
  }
  output.out(`${describePlan(plan)}\n`);
  // Round by round, as IDWise's retries would come: every URL once, then every URL again.
  const targets = Array.from({ length: plan.times }, () => plan.urls).flat();
  const label = (url: URL) => (plan.urls.length > 1 ? `${shownUrl(url)}  ` : '');
  const attempt = async (url: URL, n: number) => {
    const result = await attemptOne(url, plan);
    output.out(`#${n}  ${label(url)}${formatAttempt(result)}\n`);
    return result;
  };
  const attempts: Attempt[] = [];
  if (plan.concurrent) attempts.push(...(await Promise.all(targets.map((url, i) => attempt(url, i + 1)))));
  else for (const [i, url] of targets.entries()) attempts.push(await attempt(url, i + 1));

  const failed = attempts.filter((a) => !a.ok || a.delivery.status !== 200);
  if (failed.length === 0) return 0;
  const noun = targets.length === 1 ? 'The answer was' : `${failed.length} of ${targets.length} answers were`;
  output.err(`${noun} not 200: IDWise would retry ${failed.length === 1 ? 'that delivery' : 'those deliveries'}.\n`);
  const seen = new Set(failed.map((a) => (a.ok ? String(a.delivery.status) : 'no answer')));
  for (const status of seen) {
    const hint = status === '401' ? unauthorizedHint(plan) : HINTS[status];
    if (hint) output.err(`  ${status}: ${hint}\n`);
  }
  return 1;
}

/** With credentials given, a 401 means they are wrong for this server, not missing. */
function unauthorizedHint(plan: SendPlan): string {
  const given = [
    ...(plan.auth ? [{ flag: `--${plan.auth.type}`, type: `'${plan.auth.type}'` }] : []),
    ...(Object.keys(plan.headers).length > 0 ? [{ flag: '--header', type: "'header' with that header name" }] : []),
  ];
  if (given.length === 0) return HINTS['401']!;
  return (
    `the endpoint refused the credentials given with ${given.map((g) => g.flag).join(' and ')}: they do not ` +
    'match what its auth option is configured with. Check that the value is the one the server was started ' +
    `with, and that its auth type is ${given.map((g) => g.type).join(' or ')}.`
  );
}

async function attemptOne(url: URL, plan: SendPlan): Promise<Attempt> {
  try {
    const delivery = await deliver(url, plan.payload, {
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
  const where = plan.urls.map(shownUrl);
  const urls = where.length === 1 ? where[0] : `${where.slice(0, -1).join(', ')} and ${where.at(-1)}`;
  const count = `${plan.times === 1 ? 'once' : `${plan.times} times`}${where.length > 1 ? ' to each' : ''}`;
  const order = plan.concurrent ? ', all at once' : ', one after another';
  const how = plan.times * where.length === 1 ? count : `${count}${order}`;
  return `POST ${urls}: ${event} (${eventId}), ${how}`;
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
