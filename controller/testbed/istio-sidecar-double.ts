/**
 * A double of Istio's inbound sidecar for the local shop, for telemetry only: a reverse proxy on a
 * service's model port that forwards every request to the service and counts it the way Envoy's
 * Istio stats filter does on the destination side: `istio_requests_total` and
 * `istio_request_duration_milliseconds` with Istio's default buckets and its standard labels
 * (reporter="destination"). It does no mTLS, retries or routing; it answers 503 when the service
 * cannot be reached, as Envoy does.
 *
 * One registry serves every sidecar, with the pod in the series (Prometheus would add it from the
 * scrape target in a cluster), so one scrape target covers the whole shop.
 *
 * A service may have several replicas: the double then stands for the Service's endpoints and
 * each replica's sidecar at once, taking turns among the replicas that serve (round robin) and
 * counting each request under its replica's pod. A replica taken out of rotation gets nothing, as
 * a pod being evicted leaves the endpoints before it stops.
 */
import { Agent, createServer, request, type Server } from "node:http";
import { Counter, Histogram, Registry } from "prom-client";
import type { ShopService } from "../../config/shop.js";
import { ISTIO_DURATION_BUCKETS } from "../metrics/istio-buckets.js";

const LABELS = [
  "reporter",
  "source_workload",
  "destination_service",
  "destination_service_name",
  "destination_service_namespace",
  "destination_workload",
  "destination_workload_namespace",
  "destination_version",
  "destination_app",
  "request_protocol",
  "response_code",
  "pod",
] as const;

export class IstioSidecarDoubles {
  readonly registry = new Registry();
  private readonly requests = new Counter({
    name: "istio_requests_total",
    help: "Requests, as Istio's inbound sidecar reports them (local double).",
    labelNames: LABELS,
    registers: [this.registry],
  });
  private readonly duration = new Histogram({
    name: "istio_request_duration_milliseconds",
    help: "Request duration, as Istio's inbound sidecar reports it (local double).",
    labelNames: LABELS,
    buckets: [...ISTIO_DURATION_BUCKETS],
    registers: [this.registry],
  });
  private readonly servers: Server[] = [];
  private readonly agent = new Agent({ keepAlive: true });
  private readonly replicas = new Map<string, { url: URL; pod: string; serving: boolean }[]>();
  private readonly turn = new Map<string, number>();

  constructor(private readonly namespace: string) {}

  /** Listens on `port` in front of `upstream` (the service's own address, or its replicas') for `service`. */
  async start(service: ShopService, port: number, upstream: string | readonly string[]): Promise<void> {
    const urls = typeof upstream === "string" ? [upstream] : upstream;
    this.replicas.set(
      service.name,
      urls.map((u, i) => ({ url: new URL(u), pod: `${service.name}-v1-${i}`, serving: true })),
    );
    const base = {
      reporter: "destination",
      // The destination sidecar learns its caller from the mTLS peer; without mTLS it says unknown.
      source_workload: "unknown",
      destination_service: `${service.name}.${this.namespace}.svc.cluster.local`,
      destination_service_name: service.name,
      destination_service_namespace: this.namespace,
      destination_workload: `${service.name}-v1`,
      destination_workload_namespace: this.namespace,
      destination_version: "v1",
      destination_app: service.name,
      request_protocol: "http",
    };
    const server = createServer((req, res) => {
      const began = performance.now();
      const replica = this.next(service.name);
      if (replica === undefined) {
        res.writeHead(503, { "content-type": "text/plain" }).end("no healthy upstream");
        return;
      }
      const target = replica.url;
      const labels = { ...base, pod: replica.pod };
      res.once("close", () => {
        // A caller that hung up before any answer (a stalled callee): Envoy reports code 0 (flag DC).
        const code = res.headersSent ? String(res.statusCode) : "0";
        this.requests.inc({ ...labels, response_code: code });
        this.duration.observe({ ...labels, response_code: code }, performance.now() - began);
      });
      const upstreamRequest = request(
        {
          host: target.hostname,
          port: target.port,
          method: req.method,
          path: req.url,
          headers: req.headers,
          agent: this.agent,
        },
        (upstreamResponse) => {
          res.writeHead(upstreamResponse.statusCode ?? 502, upstreamResponse.headers);
          upstreamResponse.pipe(res);
        },
      );
      upstreamRequest.once("error", () => {
        if (res.headersSent) res.destroy();
        else res.writeHead(503, { "content-type": "text/plain" }).end("upstream connect error");
      });
      // The caller hung up: so does the sidecar, as Envoy resets the upstream stream.
      res.once("close", () => {
        if (!res.writableFinished) upstreamRequest.destroy();
      });
      req.pipe(upstreamRequest);
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", resolve);
    });
    this.servers.push(server);
  }

  /** Takes a replica out of rotation, or puts it back. */
  setServing(service: string, replica: number, serving: boolean): void {
    const r = this.replicas.get(service)?.[replica];
    if (r === undefined) throw new Error(`no replica ${replica} of ${service}`);
    r.serving = serving;
  }

  /** The pod name a replica is counted under. */
  podOf(service: string, replica: number): string {
    return `${service}-v1-${replica}`;
  }

  private next(service: string) {
    const all = this.replicas.get(service) ?? [];
    const start = this.turn.get(service) ?? 0;
    for (let k = 0; k < all.length; k++) {
      const i = (start + k) % all.length;
      if (all[i].serving) {
        this.turn.set(service, i + 1);
        return all[i];
      }
    }
    return undefined;
  }

  /** Serves the registry at /metrics and /stats/prometheus (Envoy's path) on a free port; returns host:port. */
  async serveMetrics(): Promise<string> {
    const server = createServer(async (req, res) => {
      if (req.url !== "/stats/prometheus" && req.url !== "/metrics") return void res.writeHead(404).end();
      res.writeHead(200, { "content-type": this.registry.contentType }).end(await this.registry.metrics());
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    this.servers.push(server);
    const address = server.address();
    if (address === null || typeof address === "string") throw new Error("metrics server has no port");
    return `127.0.0.1:${address.port}`;
  }

  async stop(): Promise<void> {
    this.agent.destroy();
    await Promise.all(
      this.servers.map(
        (s) =>
          new Promise<void>((resolve) => {
            s.closeAllConnections();
            s.close(() => resolve());
          }),
      ),
    );
  }
}
