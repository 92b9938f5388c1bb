/**
 * Where an incident's summary goes besides the Event and the policy's status: a webhook that takes
 * Alertmanager's format (an Alertmanager receiver, or a chat tool's incoming webhook, which reads
 * `text`), and an optional summarizer, a model endpoint of the operator's choosing that rewrites
 * the plain summary. Both are off unless configured. Neither can hold an incident back: a failure
 * is reported to the caller as a line, never thrown.
 */
import type { IncidentSummary, Summarizer } from "./summary.js";

export interface PostOptions {
  /** Per attempt. @default 5000 */
  readonly timeoutMs?: number;
  /** Extra attempts after a network error or a 5xx. @default 1 */
  readonly retries?: number;
}

/** POSTs JSON; the answer's body when 2xx, otherwise an Error naming the URL's host and the status. */
async function postJson(url: string, body: unknown, o: PostOptions): Promise<string> {
  const host = new URL(url).host;
  let last: Error | undefined;
  for (let attempt = 0; attempt <= (o.retries ?? 1); attempt++) {
    try {
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(o.timeoutMs ?? 5000),
      });
      const text = await res.text();
      if (res.ok) return text;
      last = new Error(`${host} answered ${res.status}`);
      // A 4xx will not get better by asking again.
      if (res.status < 500) break;
    } catch (e) {
      last = new Error(`${host}: ${(e as Error).message}`);
    }
  }
  throw last as Error;
}

/** Sends webhook bodies to one URL. */
export class WebhookSender {
  constructor(
    readonly url: string,
    private readonly o: PostOptions = {},
  ) {}

  /** Undefined when delivered; the reason otherwise. */
  async send(payload: Record<string, unknown>): Promise<string | undefined> {
    try {
      await postJson(this.url, payload, this.o);
      return undefined;
    } catch (e) {
      return `webhook not delivered: ${(e as Error).message}`;
    }
  }
}

/**
 * A summarizer behind HTTP: it is sent the structured summary (what happened, the evidence, the
 * suspect, what was done) as JSON and answers `{"text": "..."}`.
 */
export class HttpSummarizer implements Summarizer {
  readonly name: string;
  constructor(
    private readonly url: string,
    private readonly o: PostOptions = {},
  ) {
    this.name = `summarizer at ${new URL(url).host}`;
  }

  async summarize(summary: IncidentSummary): Promise<string> {
    const answer = await postJson(this.url, summary, { retries: 0, ...this.o });
    let text: unknown;
    try {
      text = (JSON.parse(answer) as { text?: unknown }).text;
    } catch {
      throw new Error("answered something that is not JSON");
    }
    if (typeof text !== "string" || text.trim() === "") throw new Error('answered no "text"');
    return text.slice(0, 8192);
  }
}
