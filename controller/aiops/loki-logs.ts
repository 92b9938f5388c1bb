/**
 * The log source in the cluster: Loki's HTTP API (`/loki/api/v1/query_range`), asked with a LogQL
 * stream selector on the labels the tree's Alloy gives every pod's lines (namespace, app,
 * container), leaving the Envoy sidecar's own lines out. Loki caps the lines one query returns
 * (`max_entries_limit_per_query`, 5000 by default), so the newest `limit` lines are asked for,
 * and when the cap is reached the read says how far back they reach.
 */
import { type LogLine, type LogRead, type LogSource, logText } from "./log-source.js";

export interface LokiOptions {
  /** Loki's base URL, such as http://loki-gateway.observability.svc.cluster.local. */
  readonly url: string;
  /** @default 5000 */
  readonly timeoutMs?: number;
  /** Lines per query. @default 5000 */
  readonly limit?: number;
}

interface QueryRangeResponse {
  status?: string;
  data?: { resultType?: string; result?: { stream?: Record<string, string>; values?: [string, string][] }[] };
  error?: string;
}

/** LogQL label values are double-quoted strings: backslashes and quotes escaped. */
const quoted = (value: string) => `"${value.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`;

export function selector(namespace: string, service: string): string {
  return `{namespace=${quoted(namespace)}, app=${quoted(service)}, container!="istio-proxy"}`;
}

export class LokiLogSource implements LogSource {
  constructor(private readonly o: LokiOptions) {}

  async read(namespace: string, service: string, fromMs: number, toMs: number): Promise<LogRead> {
    const limit = this.o.limit ?? 5000;
    const params = new URLSearchParams({
      query: selector(namespace, service),
      // Nanoseconds; the end is exclusive in Loki as it is here.
      start: `${BigInt(Math.floor(fromMs)) * 1_000_000n}`,
      end: `${BigInt(Math.floor(toMs)) * 1_000_000n}`,
      limit: String(limit),
      direction: "backward",
    });
    const url = `${this.o.url.replace(/\/+$/, "")}/loki/api/v1/query_range?${params}`;
    const response = await fetch(url, { signal: AbortSignal.timeout(this.o.timeoutMs ?? 5000) });
    const raw = await response.text();
    let body: QueryRangeResponse;
    try {
      body = JSON.parse(raw) as QueryRangeResponse;
    } catch {
      // Loki answers a bad query with a plain-text reason.
      body = { error: raw.trim().slice(0, 300) };
    }
    if (!response.ok || body.status !== "success")
      throw new Error(`Loki answered ${response.status}: ${body.error ?? raw.slice(0, 300)}`);
    if (body.data?.resultType !== "streams")
      throw new Error(`Loki answered ${body.data?.resultType}, not streams`);
    const lines: LogLine[] = [];
    for (const stream of body.data.result ?? [])
      for (const [ns, line] of stream.values ?? [])
        lines.push({ atMs: Number(BigInt(ns) / 1_000_000n), text: logText(line) });
    lines.sort((a, b) => a.atMs - b.atMs);
    // Capped: the lines reach back only to the oldest returned, so the span read starts there.
    const capped = lines.length >= limit;
    return { lines, fromMs: capped && lines.length > 0 ? lines[0].atMs : fromMs };
  }
}
