/**
 * The log source in the cluster, through Loki's HTTP API (a double of it: Grafana Loki cannot be
 * installed here), and an incident's log evidence mined from what it reads.
 */
import { afterEach, beforeEach, describe, expect, it } from "@jest/globals";
import { LokiApiDouble } from "../testbed/loki-api-double.js";
import { logEvidence } from "./log-evidence.js";
import { InMemoryLogSource, logText } from "./log-source.js";
import { createLogSource } from "./log-source-factory.js";
import { LokiLogSource, selector } from "./loki-logs.js";

const T0 = Date.parse("2026-12-03T10:00:00Z");
const SEC = 1000;
const pino = (msg: string, statusCode?: number, err?: string) =>
  JSON.stringify({
    level: 30,
    time: 1,
    msg,
    ...(statusCode ? { res: { statusCode } } : {}),
    ...(err ? { err: { message: err } } : {}),
  });
const catalog = { namespace: "shop", app: "catalog", container: "catalog", version: "v1" };

let loki: LokiApiDouble;
let url: string;
beforeEach(async () => {
  loki = new LokiApiDouble();
  url = await loki.listen();
});
afterEach(async () => loki.close());

describe("Loki as the log source", () => {
  it("reads one service's own lines, oldest first, as template text, with the stream selector and nanosecond range", async () => {
    loki.push(catalog, T0 + 2 * SEC, pino("request completed", 200));
    loki.push(catalog, T0 + 1 * SEC, pino("request errored", 500, "stock store timeout"));
    loki.push({ ...catalog, container: "istio-proxy" }, T0 + 1 * SEC, "[envoy] upstream reset");
    loki.push({ ...catalog, app: "cart" }, T0 + 1 * SEC, pino("request completed", 200));
    loki.push(catalog, T0 + 10 * SEC, pino("too late", 200));
    const read = await new LokiLogSource({ url }).read("shop", "catalog", T0, T0 + 10 * SEC);
    expect(read).toEqual({
      lines: [
        { atMs: T0 + 1 * SEC, text: "request errored 500 stock store timeout" },
        { atMs: T0 + 2 * SEC, text: "request completed 200" },
      ],
      fromMs: T0,
    });
    const q = loki.queries[0];
    expect(q.get("query")).toBe('{namespace="shop", app="catalog", container!="istio-proxy"}');
    expect(q.get("start")).toBe(`${BigInt(T0) * 1_000_000n}`);
    expect(q.get("direction")).toBe("backward");
    expect(q.get("limit")).toBe("5000");
  });

  it("when capped, keeps the newest lines and says how far back they reach", async () => {
    for (let i = 0; i < 5; i++) loki.push(catalog, T0 + i * SEC, pino(`line ${i}`));
    const read = await new LokiLogSource({ url, limit: 3 }).read("shop", "catalog", T0, T0 + 60 * SEC);
    expect(read.lines.map((l) => l.text)).toEqual(["line 2", "line 3", "line 4"]);
    expect(read.fromMs).toBe(T0 + 2 * SEC);
  });

  it("reports Loki's own reason for a refused query, and an unreachable Loki", async () => {
    await expect(
      new LokiLogSource({ url, limit: 6000 }).read("shop", "catalog", T0, T0 + SEC),
    ).rejects.toThrow(
      "Loki answered 400: max entries limit per query exceeded, limit > max_entries_limit (6000 > 5000)",
    );
    loki.failNext = { status: 503, body: "too many outstanding requests", times: 1 };
    await expect(new LokiLogSource({ url }).read("shop", "catalog", T0, T0 + SEC)).rejects.toThrow(
      "Loki answered 503: too many outstanding requests",
    );
    await expect(
      new LokiLogSource({ url: "http://127.0.0.1:9", timeoutMs: 2000 }).read("shop", "catalog", T0, T0 + SEC),
    ).rejects.toThrow();
  });

  it("quotes label values, so a name cannot change the query", () => {
    expect(selector("shop", 'x", app=~".*')).toBe(
      '{namespace="shop", app="x\\", app=~\\".*", container!="istio-proxy"}',
    );
  });

  it("reads pino lines by their message, status and error; anything else as it is", () => {
    expect(logText(pino("request errored", 502, "payments down"))).toBe("request errored 502 payments down");
    expect(logText("plain text line")).toBe("plain text line");
    expect(logText("42")).toBe("42");
  });

  it("the factory names its sources and throws on an unknown one", () => {
    expect(createLogSource("in-memory", {})).toBeInstanceOf(InMemoryLogSource);
    expect(createLogSource("loki", { loki: { url } })).toBeInstanceOf(LokiLogSource);
    expect(() => createLogSource("loki", {})).toThrow("AIOPS_LOG_SOURCE: 'loki' needs Loki's URL");
    expect(() => createLogSource("elastic", {})).toThrow(
      "AIOPS_LOG_SOURCE: unknown name 'elastic'; valid names are loki, in-memory",
    );
  });
});

describe("an incident's log evidence", () => {
  const healthy = (from: number, to: number) => {
    for (let t = from; t < to; t += SEC) loki.push(catalog, t, pino("request completed", 200));
  };

  it("finds the template new in the window and the one surging, against the ten minutes before", async () => {
    healthy(T0 - 600 * SEC, T0 + 60 * SEC);
    for (let t = T0 - 600 * SEC; t < T0; t += 60 * SEC) loki.push(catalog, t, pino("cache miss for item 17"));
    for (let t = T0; t < T0 + 60 * SEC; t += 2 * SEC) {
      loki.push(catalog, t, pino("request errored", 500, `stock store timeout after ${t % 7} ms`));
      loki.push(catalog, t, pino("cache miss for item 23"));
    }
    const evidence = await logEvidence(new LokiLogSource({ url }), "shop", ["catalog", "cart"], {
      fromMs: T0,
      toMs: T0 + 60 * SEC,
    });
    expect(evidence.errors).toEqual([]);
    expect(Object.keys(evidence.templates)).toEqual(["catalog"]);
    expect(evidence.templates.catalog.map((t) => [t.kind, t.template, t.inWindow])).toEqual([
      ["new", "request errored <*> stock store timeout after <*> ms", 30],
      ["surging", "cache miss for item <*>", 30],
    ]);
  });

  it("calls everything a service quiet before says now new, and lists a service whose logs cannot be read", async () => {
    for (let t = T0; t < T0 + 30 * SEC; t += SEC) loki.push(catalog, t, pino("request errored", 500));
    loki.failNext = { status: 500, body: "internal error", times: 1 };
    const evidence = await logEvidence(new LokiLogSource({ url }), "shop", ["cart", "catalog"], {
      fromMs: T0,
      toMs: T0 + 30 * SEC,
    });
    expect(evidence).toEqual({
      templates: { catalog: [{ kind: "new", template: "request errored <*>", inWindow: 30, expected: 0 }] },
      errors: ["cart: Loki answered 500: internal error"],
    });
  });
});
