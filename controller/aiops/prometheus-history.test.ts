/**
 * The AIOps signals' history from a real Prometheus (Debian's package) scraping Istio-format
 * series every second: what a start learns from instead of a warm-up of live readings.
 */
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it, jest } from "@jest/globals";
import { Counter, Registry } from "prom-client";
import { PrometheusSource } from "../metrics/prometheus.js";
import { type RunningPrometheus, startPrometheus } from "../testbed/prometheus-server.js";
import { PrometheusSignalSource } from "./signal-source.js";

jest.setTimeout(60_000);

let prometheus: RunningPrometheus;
let exporter: Server;
const started = Date.now();

beforeAll(async () => {
  // catalog serves 20 requests a second, one in ten failing; the counters follow the wall clock,
  // so every scrape sees the rate it would in a cluster, with no timer in the test.
  const registry = new Registry();
  const requests = new Counter({
    name: "istio_requests_total",
    help: "Requests, as Istio's sidecars report them.",
    labelNames: ["reporter", "destination_workload_namespace", "destination_service_name", "response_code"],
    registers: [registry],
    collect() {
      const s = (Date.now() - started) / 1000;
      const labels = {
        reporter: "destination",
        destination_workload_namespace: "shop",
        destination_service_name: "catalog",
      };
      this.reset();
      this.inc({ ...labels, response_code: "200" }, 18 * s);
      this.inc({ ...labels, response_code: "500" }, 2 * s);
    },
  });
  void requests;
  exporter = createServer((_req, res) => {
    void registry
      .metrics()
      .then((text) => res.writeHead(200, { "content-type": registry.contentType }).end(text));
  });
  await new Promise<void>((resolve) => exporter.listen(0, "127.0.0.1", resolve));
  prometheus = await startPrometheus([`127.0.0.1:${(exporter.address() as { port: number }).port}`]);
  const source = new PrometheusSource({ url: prometheus.url });
  // Ready once both series cover the test's whole rate window (10 s, ending a second ago).
  while (
    (await source.query("ready", "count_over_time(istio_requests_total[15s]) >= 13", Date.now())).length < 2
  )
    await new Promise((resolve) => setTimeout(resolve, 250));
}, 60_000);
afterAll(async () => {
  await prometheus?.stop();
  await new Promise((resolve) => exporter?.close(resolve));
});

describe("the signals' history", () => {
  it("gives a snapshot per step with each service's rate and error ratio, and nothing for a service without series", async () => {
    const now = Math.floor(Date.now() / 1000) * 1000;
    const history = await new PrometheusSignalSource({ url: prometheus.url }).history(
      "shop",
      ["catalog", "cart"],
      // Each value is computed when the exporter answers, each timestamp is when the scrape began:
      // on a loaded machine the two drift apart by up to a second or two, which a 3 s window
      // turns into a rate several times off and a 10 s one into a fifth at most.
      10,
      {
        fromMs: now - 3000,
        toMs: now,
        stepMs: 1000,
      },
    );
    expect(history.snapshots.map((s) => s.atMs)).toEqual([now - 3000, now - 2000, now - 1000]);
    // The queries of signals nothing exports here answer empty, not with an error.
    expect(history.errors).toEqual([]);
    const last = history.snapshots[2].services;
    expect(last.catalog.rps).toBeGreaterThan(12);
    expect(last.catalog.rps).toBeLessThan(28);
    expect(last.catalog.errorRatio).toBeCloseTo(0.1, 1);
    expect(last.cart).toEqual({});
  });

  it("reports a signal whose query fails, and still gives the others", async () => {
    const down = new PrometheusSignalSource({ url: "http://127.0.0.1:9", timeoutMs: 2000 });
    const history = await down.history("shop", ["catalog"], 3, { fromMs: 0, toMs: 2000, stepMs: 1000 });
    expect(history.snapshots).toHaveLength(2);
    expect(history.snapshots[0].services.catalog).toEqual({});
    expect(history.errors.length).toBeGreaterThan(0);
  });
});
