/**
 * A stand-in for the mesh's telemetry, for tests and the closed loop: an HTTP endpoint serving
 * the series a real cluster's Prometheus scrapes, in their real names and labels: Istio's
 * istio_requests_total and istio_request_duration_milliseconds (reporter="destination"),
 * cAdvisor's container_cpu_usage_seconds_total, and kube-state-metrics' kube_pod_labels,
 * kube_pod_container_resource_limits and kube_pod_status_ready.
 *
 * Traffic comes in two ways: `record` adds requests as they happen (the simulator feeds it), and
 * `setLoad` describes steady traffic that is added up at each scrape from the time passed.
 */
import { createServer, type Server } from "node:http";
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import { ISTIO_DURATION_BUCKETS } from "../metrics/istio-buckets.js";

export interface Workload {
  /** The destination host (destination_service). */
  readonly host: string;
  readonly namespace: string;
  readonly app: string;
  readonly version: string;
  readonly pods: number;
  /** CPU limit per pod, in cores. */
  readonly cpuLimitCores: number;
}

export interface SteadyLoad {
  readonly rps: number;
  readonly errorRatio: number;
  /** Every request takes this long. */
  readonly latencyMs: number;
  /** CPU busy per pod, in cores. */
  readonly cpuCores: number;
  /** Requests per second the clients' sidecars report for this load (reporter="source"). @default none */
  readonly sourceRps?: number;
}

export class IstioExporter {
  readonly registry = new Registry();
  private readonly requests = new Counter({
    name: "istio_requests_total",
    help: "Requests, as Istio's sidecars report them.",
    labelNames: [
      "reporter",
      "destination_service",
      "destination_service_namespace",
      "destination_workload",
      "destination_version",
      "response_code",
      "pod",
    ],
    registers: [this.registry],
  });
  private readonly duration = new Histogram({
    name: "istio_request_duration_milliseconds",
    help: "Request duration, as Istio's sidecars report it.",
    labelNames: [
      "reporter",
      "destination_service",
      "destination_service_namespace",
      "destination_workload",
      "destination_version",
      "pod",
    ],
    buckets: [...ISTIO_DURATION_BUCKETS],
    registers: [this.registry],
  });
  private readonly cpu = new Counter({
    name: "container_cpu_usage_seconds_total",
    help: "CPU time, as cAdvisor reports it.",
    labelNames: ["namespace", "pod", "container"],
    registers: [this.registry],
  });
  private readonly podLabels = new Gauge({
    name: "kube_pod_labels",
    help: "Pod labels, as kube-state-metrics reports them.",
    labelNames: ["namespace", "pod", "label_app", "label_version"],
    registers: [this.registry],
  });
  private readonly limits = new Gauge({
    name: "kube_pod_container_resource_limits",
    help: "Container limits, as kube-state-metrics reports them.",
    labelNames: ["namespace", "pod", "container", "resource", "unit"],
    registers: [this.registry],
  });
  private readonly ready = new Gauge({
    name: "kube_pod_status_ready",
    help: "Pod readiness, as kube-state-metrics reports it.",
    labelNames: ["namespace", "pod", "condition"],
    registers: [this.registry],
  });
  private readonly workloads = new Map<string, Workload>();
  private readonly loads = new Map<
    string,
    { load: SteadyLoad; lastMs: number; carry: number; errorCarry: number; sourceCarry: number }
  >();
  private server: Server | undefined;

  constructor(private readonly now: () => number = () => Date.now()) {}

  private key(host: string, version: string): string {
    return `${host}|${version}`;
  }

  private workload(host: string, version: string): Workload {
    const w = this.workloads.get(this.key(host, version));
    if (!w) throw new Error(`no workload ${host} ${version}; addWorkload first`);
    return w;
  }

  private pods(w: Workload): string[] {
    return Array.from({ length: w.pods }, (_, i) => `${w.app}-${w.version}-${i}`);
  }

  addWorkload(w: Workload): void {
    this.workloads.set(this.key(w.host, w.version), w);
    for (const pod of this.pods(w)) {
      this.podLabels.set({ namespace: w.namespace, pod, label_app: w.app, label_version: w.version }, 1);
      this.limits.set(
        { namespace: w.namespace, pod, container: "app", resource: "cpu", unit: "core" },
        w.cpuLimitCores,
      );
      this.ready.set({ namespace: w.namespace, pod, condition: "true" }, 1);
      this.cpu.inc({ namespace: w.namespace, pod, container: "app" }, 0);
    }
  }

  private labels(w: Workload) {
    return {
      reporter: "destination",
      destination_service: w.host,
      destination_service_namespace: w.namespace,
      destination_workload: `${w.app}-${w.version}`,
      destination_version: w.version,
    };
  }

  /**
   * Adds requests that happened: `count` of them with this status, each taking `latencyMs`, on
   * `pod`, or spread over the workload's pods in turn. Prometheus adds `pod` to what it scrapes
   * from a sidecar; one exporter serving every pod puts it in the series itself.
   */
  record(host: string, version: string, status: number, latencyMs: number, count = 1, pod?: string): void {
    const w = this.workload(host, version);
    const pods = this.pods(w);
    for (let i = 0; i < count; i++) {
      const labels = { ...this.labels(w), pod: pod ?? pods[this.turn++ % pods.length] };
      this.requests.inc({ ...labels, response_code: String(status) });
      this.duration.observe(labels, latencyMs);
    }
  }

  private turn = 0;

  /**
   * Adds requests as the clients' sidecars report them: once each, however many tries the
   * router made (reporter="source"). The answering version is not tracked here.
   */
  recordRequest(host: string, status: number, count = 1): void {
    this.requests.inc(
      {
        reporter: "source",
        destination_service: host,
        destination_service_namespace: host.split(".")[1] ?? "",
        destination_workload: "",
        destination_version: "",
        response_code: String(status),
        pod: "",
      },
      count,
    );
  }

  /** Adds CPU time used by each of a workload's pods, or by one of them. */
  busy(host: string, version: string, cpuSeconds: number, pod?: string): void {
    const w = this.workload(host, version);
    for (const p of pod ? [pod] : this.pods(w))
      this.cpu.inc({ namespace: w.namespace, pod: p, container: "app" }, cpuSeconds);
  }

  /** Steady traffic from now on, added up at each scrape; undefined stops it. */
  setLoad(host: string, version: string, load: SteadyLoad | undefined): void {
    const key = this.key(host, version);
    this.accrue();
    if (load) this.loads.set(key, { load, lastMs: this.now(), carry: 0, errorCarry: 0, sourceCarry: 0 });
    else this.loads.delete(key);
  }

  private accrue(): void {
    const now = this.now();
    for (const [key, state] of this.loads) {
      const [host, version] = key.split("|");
      const seconds = (now - state.lastMs) / 1000;
      state.lastMs = now;
      const total = state.carry + state.load.rps * seconds;
      const n = Math.floor(total);
      state.carry = total - n;
      const errorsExact = state.errorCarry + n * state.load.errorRatio;
      const errors = Math.floor(errorsExact);
      state.errorCarry = errorsExact - errors;
      if (n - errors > 0) this.record(host, version, 200, state.load.latencyMs, n - errors);
      if (errors > 0) this.record(host, version, 503, state.load.latencyMs, errors);
      this.busy(host, version, state.load.cpuCores * seconds);
      const sources = state.sourceCarry + (state.load.sourceRps ?? 0) * seconds;
      state.sourceCarry = sources - Math.floor(sources);
      if (Math.floor(sources) > 0) this.recordRequest(host, 200, Math.floor(sources));
    }
  }

  async listen(): Promise<string> {
    this.server = createServer((req, res) => {
      if (req.url !== "/metrics") {
        res.writeHead(404).end();
        return;
      }
      this.accrue();
      this.registry
        .metrics()
        .then((text) => res.writeHead(200, { "content-type": this.registry.contentType }).end(text));
    });
    await new Promise<void>((resolve) => this.server?.listen(0, "127.0.0.1", resolve));
    const { port } = this.server.address() as { port: number };
    return `127.0.0.1:${port}`;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
