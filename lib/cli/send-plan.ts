/**
 * `send`'s command line, checked and turned into what to send. Every mistake is a UsageError that
 * names the flag; no message repeats a credential, a URL's query or a word that might be one.
 */
import { readFileSync } from 'node:fs';
import type { AuthOption } from '../auth.js';
import { KNOWN_EVENTS, type KnownEventName } from '../payload/events.js';
import { buildEvent } from '../testing/build-event.js';
import { parseFlags } from './parse-flags.js';
import { applyEdits, parseSet, parseUnset } from './payload-edits.js';
import { SEND_FLAGS } from './send-flags.js';
import { closest } from '../suggest.js';
import { UsageError } from './usage-error.js';

const EXAMPLE_URL = 'http://localhost:3000/webhooks/idwise';
const EXAMPLE = `idwise-webhooks send ${EXAMPLE_URL} --event "Finished Journey"`;
const MAX_TIMES = 1000;

export interface SendPlan {
  /** One or more, each sent the same payload `times` times. */
  urls: URL[];
  payload: unknown;
  auth: AuthOption | undefined;
  headers: Record<string, string>;
  times: number;
  concurrent: boolean;
  timeoutMs: number;
}

/** The plan; `'help'` for `--help`; the payload alone for `--print`, which sends nothing. */
export function planSend(args: string[]): SendPlan | 'help' | { print: unknown } {
  const { flags, positionals } = parseFlags('send', args, SEND_FLAGS);
  if (flags.help) return 'help';
  const edits = [...flags.set.map(parseSet), ...flags.unset.map(parseUnset)];
  if (flags.event !== undefined && positionals.length > 1)
    unquotedEventName(
      flags.event,
      positionals.filter((word) => !word.includes('://')),
    );
  const plan: SendPlan = {
    urls: flags.print && positionals.length === 0 ? [] : endpoints(positionals),
    payload: applyEdits(basePayload(flags.event, flags.file), edits),
    auth: authOf(flags.bearer, flags.basic),
    headers: Object.fromEntries(flags.header.map(header)),
    times: wholeNumber('--times', flags.times, 1, MAX_TIMES),
    concurrent: flags.concurrent,
    timeoutMs: wholeNumber('--timeout', flags.timeout, 30_000, 24 * 60 * 60 * 1000),
  };
  return flags.print ? { print: plan.payload } : plan;
}

function endpoints(positionals: string[]): URL[] {
  if (positionals.length === 0) throw new UsageError('send needs the URL of your webhook endpoint.', EXAMPLE);
  const urls = positionals.map(endpoint);
  const notUrls = urls.filter((url) => url === undefined).length;
  if (notUrls > 0 && positionals.length > 1) {
    // The words are not shown: one of them may be a token whose flag was forgotten.
    throw new UsageError(
      `send takes URLs, but ${notUrls} of the ${positionals.length} words that belong to no flag ` +
        `${notUrls === 1 ? 'is not an http(s) URL' : 'are not http(s) URLs'}. ` +
        'Is an event name missing its quotes, or a value missing its flag?',
      EXAMPLE,
    );
  }
  if (notUrls > 0) throw new UsageError('the URL must be absolute and start with http:// or https://.', EXAMPLE);
  const valid = urls as URL[];
  const twice = valid.find((url, i) => valid.findIndex((other) => other.href === url.href) !== i);
  if (twice) {
    throw new UsageError(
      `${shownUrl(twice)} is given twice: each URL gets the payload once, or n times with --times n.`,
      `idwise-webhooks send ${shownUrl(twice)} --event "Finished Journey" --times 2`,
    );
  }
  return valid;
}

/** The URL, or undefined when the word is not an absolute http(s) URL. */
function endpoint(text: string): URL | undefined {
  const url = URL.canParse(text) ? new URL(text) : undefined;
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) return undefined;
  if (url.username || url.password) {
    throw new UsageError(
      'put credentials in a flag, not in the URL.',
      `idwise-webhooks send ${EXAMPLE_URL} --basic user:pass`,
    );
  }
  return url;
}

/** Origin and path only: a query string might carry a secret. */
export function shownUrl(url: URL): string {
  return `${url.origin}${url.pathname}${url.search ? '?…' : ''}`;
}

/** `--event Finished Journey` without quotes: the shell split the name, so say exactly that. */
function unquotedEventName(event: string, rest: string[]): void {
  for (let n = rest.length; n > 0; n--) {
    const name = [event, ...rest.slice(0, n)].join(' ');
    if (Object.hasOwn(KNOWN_EVENTS, name)) {
      throw new UsageError(`the event name ${JSON.stringify(name)} needs quotes: it has spaces.`, `--event "${name}"`);
    }
  }
}

function basePayload(event: string | undefined, file: string | undefined): unknown {
  if (event !== undefined && file !== undefined) {
    throw new UsageError(
      '--event builds a payload and --file reads one: give one of them. Change fields of either with --set.',
      '--event "Finished Journey" --set body.systemDecision=Refer',
    );
  }
  if (file !== undefined) return readPayload(file);
  if (event === undefined) {
    throw new UsageError('send needs a payload: --event <name> builds one, --file <path> reads one.', EXAMPLE);
  }
  if (!Object.hasOwn(KNOWN_EVENTS, event)) {
    const names = Object.keys(KNOWN_EVENTS);
    const meant = closest(event, names);
    throw new UsageError(
      `--event: unknown event ${JSON.stringify(event)}.${meant ? ` Did you mean "${meant}"?` : ''} ` +
        'To send an event this package does not know, add --set event="Its Name" to a known one.',
      meant ? `--event "${meant}"` : `one of: ${names.map((name) => `"${name}"`).join(', ')}`,
    );
  }
  return buildEvent(event as KnownEventName);
}

function readPayload(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(
      `--file: cannot read ${JSON.stringify(file)} (${code ?? 'unreadable'}).`,
      '--file ./payload.json',
    );
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(
      `--file: ${JSON.stringify(file)} is not JSON (${(error as Error).message}).`,
      'a file holding { "event": "Finished Journey", "body": { ... } }',
    );
  }
}

function authOf(bearer: string | undefined, basic: string | undefined): AuthOption | undefined {
  if (bearer !== undefined && basic !== undefined) {
    throw new UsageError(
      '--bearer and --basic both set the Authorization header: give one.',
      SEND_FLAGS.bearer.example,
    );
  }
  if (bearer !== undefined) {
    if (bearer === '' || /\s/.test(bearer)) {
      throw new UsageError(
        '--bearer needs a token without spaces or newlines (is the variable set?).',
        SEND_FLAGS.bearer.example,
      );
    }
    return { type: 'bearer', tokens: [bearer] };
  }
  if (basic !== undefined) {
    const colon = basic.indexOf(':');
    if (colon < 1)
      throw new UsageError('--basic needs user:pass, with a user name before the first ":".', SEND_FLAGS.basic.example);
    return { type: 'basic', credentials: [{ username: basic.slice(0, colon), password: basic.slice(colon + 1) }] };
  }
  return undefined;
}

function header(argument: string): [string, string] {
  const colon = argument.indexOf(':');
  const name = colon === -1 ? '' : argument.slice(0, colon).trim();
  // A header name is an HTTP token; the value is everything after the colon, as curl -H reads it.
  if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) {
    throw new UsageError(
      '--header needs name:value, with an HTTP header name before the colon.',
      SEND_FLAGS.header.example,
    );
  }
  const value = argument.slice(colon + 1).trim();
  // fetch would refuse such a value and quote it in its error: refuse it here, without quoting it.
  if (/[\r\n\0]/.test(value)) {
    throw new UsageError('--header values cannot contain line breaks or NUL characters.', SEND_FLAGS.header.example);
  }
  return [name.toLowerCase(), value];
}

function wholeNumber(flag: string, text: string | undefined, fallback: number, max: number): number {
  if (text === undefined) return fallback;
  const value = /^[1-9][0-9]*$/.test(text) ? Number(text) : NaN;
  if (!(value <= max)) {
    throw new UsageError(
      `${flag} must be a whole number from 1 to ${max}, got ${JSON.stringify(text.slice(0, 20))}.`,
      flag === '--times' ? SEND_FLAGS.times.example : SEND_FLAGS.timeout.example,
    );
  }
  return value;
}
