/**
 * A test double of Loki's HTTP API, on loopback: Grafana Loki is neither in Debian (its `loki`
 * package is an unrelated genetics program) nor on npm, so the log source's tests run against
 * this. It speaks what the optimizer uses, as Loki 3 documents it:
 * - `POST /loki/api/v1/push` with JSON streams (`{"streams":[{"stream":{labels},"values":[[ns, line]]}]}`), 204;
 * - `GET /loki/api/v1/query_range` with a LogQL stream selector (`=`, `!=`, `=~`, `!~` matchers),
 *   `start` and `end` in nanoseconds (end exclusive), `limit` (default 100) across all streams and
 *   `direction` (backward by default: the newest lines); the answer is `resultType: streams`;
 * - 400 with a plain-text reason for a query it cannot parse, and for a limit over
 *   `max_entries_limit_per_query` (5000, Loki's default).
 * What it does not: line filters and parsers (`|=`, `| json`), metric queries, tenants.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";

type Labels = Record<string, string>;
interface Entry {
  readonly ns: bigint;
  readonly line: string;
}

export const MAX_ENTRIES_LIMIT = 5000;

/** `{a="x", b!="y"}` as matchers; throws with Loki's kind of message on anything else. */
export function parseSelector(query: string): ((labels: Labels) => boolean)[] {
  const m = /^\s*\{(.*)\}\s*$/s.exec(query);
  if (m === null)
    throw new Error(`parse error at line 1, col 1: syntax error: unexpected input, expecting {`);
  const matchers: ((labels: Labels) => boolean)[] = [];
  const re = /\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*(,|$)/gy;
  const rest = m[1];
  if (rest.trim() === "")
    throw new Error("parse error : queries require at least one regexp or equality matcher");
  for (let at = 0; at < rest.length; ) {
    re.lastIndex = at;
    const x = re.exec(rest);
    if (x === null)
      throw new Error(
        `parse error at line 1, col ${at + 2}: syntax error: unexpected ${rest.slice(at, at + 10)}`,
      );
    const [, name, op, raw] = x;
    const value = raw.replace(/\\(.)/g, "$1");
    const regex = new RegExp(`^(?:${value})$`);
    matchers.push((labels) => {
      const v = labels[name] ?? "";
      return op === "="
        ? v === value
        : op === "!="
          ? v !== value
          : op === "=~"
            ? regex.test(v)
            : !regex.test(v);
    });
    at = re.lastIndex;
  }
  return matchers;
}

export class LokiApiDouble {
  private readonly streams = new Map<string, { labels: Labels; entries: Entry[] }>();
  private server?: Server;
  /** Queries received, for tests to check what was asked. */
  readonly queries: URLSearchParams[] = [];
  /** Answer the next queries with this status and body, as a Loki in trouble would. */
  failNext?: { status: number; body: string; times: number };

  push(labels: Labels, atMs: number, line: string): void {
    const key = JSON.stringify(Object.entries(labels).sort());
    const stream = this.streams.get(key) ?? { labels, entries: [] };
    this.streams.set(key, stream);
    stream.entries.push({ ns: BigInt(Math.round(atMs)) * 1_000_000n, line });
  }

  async listen(): Promise<string> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((e) => this.text(res, 500, String(e)));
    });
    await new Promise<void>((resolve) => this.server?.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.server.address() as { port: number }).port}`;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://loki");
    if (req.method === "POST" && url.pathname === "/loki/api/v1/push") {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const body = JSON.parse(Buffer.concat(chunks).toString()) as {
        streams: { stream: Labels; values: [string, string][] }[];
      };
      for (const s of body.streams)
        for (const [ns, line] of s.values) this.push(s.stream, Number(BigInt(ns) / 1_000_000n), line);
      res.writeHead(204).end();
      return;
    }
    if (req.method !== "GET" || url.pathname !== "/loki/api/v1/query_range") {
      this.text(res, 404, "404 page not found");
      return;
    }
    this.queries.push(url.searchParams);
    if (this.failNext !== undefined && this.failNext.times > 0) {
      this.failNext.times--;
      this.text(res, this.failNext.status, this.failNext.body);
      return;
    }
    const p = url.searchParams;
    let matchers: ReturnType<typeof parseSelector>;
    try {
      matchers = parseSelector(p.get("query") ?? "");
    } catch (e) {
      this.text(res, 400, (e as Error).message);
      return;
    }
    const limit = Number(p.get("limit") ?? 100);
    if (limit > MAX_ENTRIES_LIMIT) {
      this.text(
        res,
        400,
        `max entries limit per query exceeded, limit > max_entries_limit (${limit} > ${MAX_ENTRIES_LIMIT})`,
      );
      return;
    }
    const start = BigInt(p.get("start") ?? "0");
    const end = BigInt(p.get("end") ?? `${BigInt(Date.now()) * 1_000_000n}`);
    const backward = (p.get("direction") ?? "backward") === "backward";
    const hits: { labels: Labels; entry: Entry }[] = [];
    for (const s of this.streams.values())
      if (matchers.every((m) => m(s.labels)))
        for (const entry of s.entries)
          if (entry.ns >= start && entry.ns < end) hits.push({ labels: s.labels, entry });
    hits.sort(
      (a, b) => (a.entry.ns < b.entry.ns ? -1 : a.entry.ns > b.entry.ns ? 1 : 0) * (backward ? -1 : 1),
    );
    const kept = hits.slice(0, limit);
    const grouped = new Map<string, { stream: Labels; values: [string, string][] }>();
    for (const { labels, entry } of kept) {
      const key = JSON.stringify(Object.entries(labels).sort());
      const g = grouped.get(key) ?? { stream: labels, values: [] };
      grouped.set(key, g);
      g.values.push([entry.ns.toString(), entry.line]);
    }
    res.writeHead(200, { "content-type": "application/json" }).end(
      JSON.stringify({
        status: "success",
        data: { resultType: "streams", result: [...grouped.values()], stats: {} },
      }),
    );
  }

  private text(res: ServerResponse, status: number, body: string): void {
    res.writeHead(status, { "content-type": "text/plain; charset=utf-8" }).end(`${body}\n`);
  }
}
