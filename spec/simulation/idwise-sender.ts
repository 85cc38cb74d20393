/**
 * A sender that behaves like IDWise: it POSTs each event, counts only HTTP 200 as delivered, and
 * retries anything else (another status, a timeout, a dropped connection) after the delays it is
 * given: IDWise's are 5, 10 and 15 minutes, i.e. an initial attempt and 3 retries, then it gives
 * up and e-mails the customer. It ignores Retry-After, as IDWise's fixed schedule does.
 *
 * Some attempts go out twice at the same moment, as they do when IDWise's own timeout fires while
 * the first request is still being handled: the answer of the first copy is then never read (the
 * sender gave up on it), and only the second copy's answer decides whether to retry.
 */
import http from 'node:http';

/** One HTTP request: which event (by index), which attempt (1-based), which copy of a double send. */
export interface SenderRequest {
  index: number;
  attempt: number;
  copy: number;
  /** The last attempt of the retry budget. */
  final: boolean;
}

/** A status code, or what happened instead of one. */
export type Answer = number | 'timeout' | 'connection-error';

export interface IdwiseSenderOptions {
  /** Waits before each retry; the retry budget is one attempt more than there are delays. */
  retryDelaysMs: readonly number[];
  /** The URL a request goes to (several instances behind a load balancer: choose one per request). */
  target(request: SenderRequest): string;
  /** Headers beside `Content-Type: application/json`, e.g. the credentials. */
  headers(request: SenderRequest): Record<string, string>;
  /** Whether this attempt goes out twice at once. */
  sendTwice(index: number, attempt: number, final: boolean): boolean;
  /** The sender's own timeout: no answer by then counts as a failure. */
  requestTimeoutMs: number;
  /** Called with every answer as it arrives, before the sender decides on a retry. */
  onAnswer?(request: SenderRequest, answer: Answer, body: { status?: string; error?: string }): void;
}

export interface DeliveryReport {
  index: number;
  /** A 200 was read: IDWise considers the event delivered and will not send it again. */
  delivered: boolean;
  attempts: number;
  requests: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class IdwiseSender {
  /** Every answer seen, read or not: `200 processed`, `409 in_flight`, `connection-error`, ... */
  readonly answers = new Map<string, number>();
  readonly #options: IdwiseSenderOptions;
  readonly #agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

  constructor(options: IdwiseSenderOptions) {
    this.#options = options;
  }

  /** Delivers one event until a 200 or the retry budget is spent. */
  async deliver(index: number, payload: unknown): Promise<DeliveryReport> {
    const { retryDelaysMs, sendTwice } = this.#options;
    const body = JSON.stringify(payload);
    const budget = retryDelaysMs.length + 1;
    let requests = 0;
    for (let attempt = 1; attempt <= budget; attempt++) {
      if (attempt > 1) await sleep(retryDelaysMs[attempt - 2]!);
      const final = attempt === budget;
      const copies = sendTwice(index, attempt, final) ? 2 : 1;
      const answers = await Promise.all(
        Array.from({ length: copies }, (_, copy) => this.#post({ index, attempt, copy, final }, body)),
      );
      requests += copies;
      if (answers.at(-1) === 200) return { index, delivered: true, attempts: attempt, requests };
    }
    return { index, delivered: false, attempts: budget, requests };
  }

  close(): void {
    this.#agent.destroy();
  }

  #count(answer: Answer, body: { status?: string; error?: string }): void {
    const label = typeof answer === 'number' ? `${answer} ${body.status ?? body.error ?? ''}`.trim() : answer;
    this.answers.set(label, (this.answers.get(label) ?? 0) + 1);
  }

  #post(request: SenderRequest, body: string): Promise<Answer> {
    const { target, headers, requestTimeoutMs, onAnswer } = this.#options;
    return new Promise((resolve) => {
      let settled = false;
      const settle = (answer: Answer, parsed: { status?: string; error?: string } = {}) => {
        if (settled) return;
        settled = true;
        this.#count(answer, parsed);
        onAnswer?.(request, answer, parsed);
        resolve(answer);
      };
      const req = http.request(target(request), {
        method: 'POST',
        agent: this.#agent,
        headers: {
          ...headers(request),
          'Content-Type': 'application/json',
          'Content-Length': Buffer.byteLength(body),
        },
      });
      req.setTimeout(requestTimeoutMs, () => {
        settle('timeout');
        req.destroy();
      });
      req.on('error', () => settle('connection-error'));
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', () => settle('connection-error'));
        res.on('end', () => {
          let parsed: { status?: string; error?: string } = {};
          try {
            parsed = JSON.parse(Buffer.concat(chunks).toString('utf8')) as typeof parsed;
          } catch {
            // A body that is not JSON still has a status; the status is what IDWise reads.
          }
          settle(res.statusCode ?? 0, parsed);
        });
      });
      req.end(body);
    });
  }
}
