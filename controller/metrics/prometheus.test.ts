/**
 * The Prometheus source against a real Prometheus (Debian's package) scraping Istio-format series
 * every second from the test's exporter, plus the failures a real one has: down, slow, erroring,
 * and answering only part of an interval's queries.
 */
import { createServer, type Server } from "node:http";
import { jest } from "@jest/globals";
import { IstioExporter } from "../testbed/istio-exporter.js";
import { type RunningPrometheus, startPrometheus } from "../testbed/prometheus-server.js";
import { PrometheusSource } from "./prometheus.js";
import type { Destination } from "./source.js";

jest.setTimeout(60_000);

const NS = "meshpilot-shop";
const host = (app: string) => `${app}.${NS}.svc.cluster.local`;
const dest = (app: string): Destination => ({ host: host(app), namespace: NS, app });
const WINDOW = 5000;

let exporter: IstioExporter;
let prometheus: RunningPrometheus;
const extra: Server[] = [];

beforeAll(async () => {
  exporter = new IstioExporter();
  exporter.addWorkload({
    host: host("catalog"),
    namespace: NS,
    app: "catalog",
    version: "v1",
    pods: 2,
    cpuLimitCores: 0.5,
  });
  exporter.addWorkload({
    host: host("catalog"),
    namespace: NS,
    app: "catalog",
    version: "v2",
    pods: 1,
    cpuLimitCores: 0.5,
  });
  exporter.addWorkload({
    host: host("cart"),
    namespace: NS,
    app: "cart",
    version: "v1",
    pods: 1,
    cpuLimitCores: 0.5,
  });
  // The clients send 40 requests a second to catalog; its servers see 50 tries: 25% extra load.
  exporter.setLoad(host("catalog"), "v1", {
    rps: 40,
    errorRatio: 0,
    latencyMs: 20,
    cpuCores: 0.25,
    sourceRps: 40,
  });
  exporter.setLoad(host("catalog"), "v2", { rps: 10, errorRatio: 0.2, latencyMs: 300, cpuCores: 0.4 });
  // cart had a few requests once, then none: its series exist, its rate is zero.
  exporter.record(host("cart"), "v1", 200, 15, 5);
  prometheus = await startPrometheus([await exporter.listen()]);
  // Wait until every series has a full window of scrapes: the figures below are rates over it.
  const source = new PrometheusSource({ url: prometheus.url });
  const full = `min(count_over_time(istio_requests_total[${WINDOW / 1000}s])) >= ${WINDOW / 1000}`;
  while ((await source.query("readiness", full, Date.now())).length === 0)
    await new Promise((resolve) => setTimeout(resolve, 250));
});
afterAll(async () => {
  await prometheus?.stop();
  await exporter?.close();
  for (const s of extra) await new Promise((resolve) => s.close(resolve));
});

async function server(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const s = createServer(handler);
  extra.push(s);
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(s.address() as { port: number }).port}`;
}

describe("the Prometheus source", () => {
  it("gives a destination's request rate per step, every version together, for the predictive scaler's start", async () => {
    const source = new PrometheusSource({ url: prometheus.url });
    const now = Math.floor(Date.now() / 1000) * 1000;
    const history = await source.history(host("catalog"), now - WINDOW, now, WINDOW);
    expect(history).toHaveLength(2);
    // v1's 40 and v2's 10 requests a second, as the servers saw them.
    expect(history[1]).toBeGreaterThan(35);
    expect(history[1]).toBeLessThan(65);
    // No series: no data, not zero; a quote in the host cannot break out of the label matcher.
    expect(await source.history(host("nothing"), now - WINDOW, now, WINDOW)).toEqual([undefined, undefined]);
    expect(await source.history('catalog"} or vector(1) or {x="', now - WINDOW, now, WINDOW)).toEqual([
      undefined,
      undefined,
    ]);
  });

  it("reads rate, error ratio, p50/p95/p99, CPU and replicas per version, in three queries for any number of destinations", async () => {
    const queries: string[] = [];
    const source = new PrometheusSource({ url: prometheus.url, onQuery: (name) => queries.push(name) });
    const { observations, errors } = await source.observe(
      [dest("catalog"), dest("cart"), dest("recommendation")],
      WINDOW,
      Date.now(),
    );
    expect(errors).toEqual([]);
    expect(queries.sort()).toEqual(["latency", "traffic", "workload"]);
    const catalog = observations.get(host("catalog"));
    expect(catalog?.stale).toBe(false);
    const v1 = catalog?.subsets.v1;
    const v2 = catalog?.subsets.v2;
    expect(v1?.rps).toBeGreaterThan(30);
    expect(v1?.rps).toBeLessThan(50);
    expect(v1?.errorRatio).toBe(0);
    // Every v1 request took 20 ms: between Istio's 10 and 25 ms bucket bounds.
    for (const p of [v1?.p50Ms, v1?.p95Ms, v1?.p99Ms]) {
      expect(p).toBeGreaterThan(10);
      expect(p).toBeLessThanOrEqual(25);
    }
    expect(v1?.cpuUtilization).toBeGreaterThan(0.35);
    expect(v1?.cpuUtilization).toBeLessThan(0.65);
    expect(v1?.replicas).toBe(2);
    expect(v2?.rps).toBeGreaterThan(6);
    expect(v2?.rps).toBeLessThan(14);
    expect(v2?.errorRatio).toBeGreaterThan(0.1);
    expect(v2?.errorRatio).toBeLessThan(0.3);
    expect(v2?.p99Ms).toBeGreaterThan(250);
    expect(v2?.p99Ms).toBeLessThanOrEqual(500);
    expect(v2?.replicas).toBe(1);
    // Destination-reported tries over source-reported requests: 50 over 40.
    expect(catalog?.extraLoad).toBeGreaterThan(0.15);
    expect(catalog?.extraLoad).toBeLessThan(0.35);
    expect(observations.get(host("cart"))?.extraLoad).toBeUndefined();
  });

  it("reads every pod on its own, and leaves the quarantine lane's pods out of their version", async () => {
    const source = new PrometheusSource({ url: prometheus.url });
    const at = Date.now();
    const whole = (await source.observe([dest("catalog")], WINDOW, at)).observations.get(host("catalog"));
    const laned = (
      await source.observe([{ ...dest("catalog"), lane: ["catalog-v1-1", "a.pod-elsewhere"] }], WINDOW, at)
    ).observations.get(host("catalog"));
    expect(Object.keys(whole?.replicas ?? {})).toEqual(["catalog-v1-0", "catalog-v1-1", "catalog-v2-0"]);
    const pod = whole?.replicas["catalog-v1-0"];
    // The exporter spreads v1's 40 requests a second over its two pods, each at half a core of 0.5.
    expect(pod?.subset).toBe("v1");
    expect(pod?.rps).toBeGreaterThan(15);
    expect(pod?.rps).toBeLessThan(25);
    expect(pod?.p99Ms).toBeLessThanOrEqual(25);
    expect(pod?.cpuUtilization).toBeGreaterThan(0.35);
    expect(pod?.cpuUtilization).toBeLessThan(0.65);
    // Summing pods is what `sum by (version)` does; with one in the lane, v1 is the other alone.
    expect(whole?.subsets.v1.rps).toBeCloseTo(
      (whole?.replicas["catalog-v1-0"].rps ?? 0) + (whole?.replicas["catalog-v1-1"].rps ?? 0),
      9,
    );
    expect(laned?.subsets.v1.rps).toBeCloseTo(laned?.replicas["catalog-v1-0"].rps ?? -1, 9);
    expect(laned?.subsets.v1.replicas).toBe(2);
    // The servers' tries, the lane's included, over the clients' requests: extra load is unchanged.
    expect(laned?.extraLoad).toBeCloseTo(whole?.extraLoad ?? -1, 9);
  });

  it("reports a version without traffic as unknown latency and error ratio, never zero", async () => {
    const { observations } = await new PrometheusSource({ url: prometheus.url }).observe(
      [dest("cart")],
      WINDOW,
      Date.now(),
    );
    const cart = observations.get(host("cart"));
    expect(cart?.stale).toBe(false);
    expect(cart?.subsets.v1).toEqual(
      expect.objectContaining({
        rps: 0,
        errorRatio: undefined,
        p50Ms: undefined,
        p99Ms: undefined,
        replicas: 1,
      }),
    );
  });

  it("marks a destination with no series as stale, with no subsets", async () => {
    const { observations } = await new PrometheusSource({ url: prometheus.url }).observe(
      [dest("recommendation")],
      WINDOW,
      Date.now(),
    );
    expect(observations.get(host("recommendation"))).toEqual(
      expect.objectContaining({ stale: true, subsets: {} }),
    );
  });

  it("turns Prometheus down into stale observations and one error per query", async () => {
    const closed = await server(() => {});
    const url = closed;
    await new Promise((resolve) => extra.pop()?.close(resolve));
    const { observations, errors } = await new PrometheusSource({ url }).observe(
      [dest("catalog")],
      WINDOW,
      Date.now(),
    );
    expect(observations.get(host("catalog"))?.stale).toBe(true);
    expect(errors).toHaveLength(3);
    expect(errors.every((e) => /query failed: fetch failed/.test(e))).toBe(true);
  });

  it("times out a slow Prometheus", async () => {
    const slow = await server((_req, res) => {
      setTimeout(() => res.writeHead(200).end("{}"), 2000).unref();
    });
    const { observations, errors } = await new PrometheusSource({ url: slow, timeoutMs: 100 }).observe(
      [dest("catalog")],
      WINDOW,
      Date.now(),
    );
    expect(observations.get(host("catalog"))?.stale).toBe(true);
    expect(errors.sort()).toEqual([
      "latency query timed out",
      "traffic query timed out",
      "workload query timed out",
    ]);
  });

  it("reports Prometheus' own error, and keeps what the other queries returned when one fails", async () => {
    // In front of the real Prometheus: the latency query fails, the others pass through.
    const partial = await server(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const body = Buffer.concat(chunks).toString();
      if (body.includes("histogram_quantile")) {
        res
          .writeHead(422, { "content-type": "application/json" })
          .end(
            '{"status":"error","errorType":"execution","error":"query timed out in expression evaluation"}',
          );
        return;
      }
      const upstream = await fetch(`${prometheus.url}${req.url}`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body,
      });
      res.writeHead(upstream.status, { "content-type": "application/json" }).end(await upstream.text());
    });
    const { observations, errors } = await new PrometheusSource({ url: partial }).observe(
      [dest("catalog")],
      WINDOW,
      Date.now(),
    );
    expect(errors).toEqual(["latency query failed (422): query timed out in expression evaluation"]);
    const catalog = observations.get(host("catalog"));
    expect(catalog?.stale).toBe(true);
    expect(catalog?.subsets.v1?.rps).toBeGreaterThan(0);
    expect(catalog?.subsets.v1?.p99Ms).toBeUndefined();
  });
});
