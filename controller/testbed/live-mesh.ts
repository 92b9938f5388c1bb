/**
 * A simulated destination running against the wall clock, for the closed loop: the simulator's
 * replicas serve the traffic, every try is reported to the Istio exporter (which the real
 * Prometheus scrapes), and the routing follows the VirtualService and DestinationRule in the
 * Kubernetes API double, as Envoy follows what istiod pushes. Only the replicas are simulated.
 */
import type { Histogram } from "hdr-histogram-js";
import { LANE_LABEL, LANE_QUARANTINE } from "../../api/optimizer.js";
import { newLatencyHistogram } from "../../common/latency-histogram.js";
import { currentKnobs, type KubeObject } from "../actuator/live-routing.js";
import { type SimulationConfig, type SteppedSimulation, steppedSimulation } from "../sim/engine.js";
import type { IstioExporter } from "./istio-exporter.js";
import type { KubeApiDouble } from "./kube-api-double.js";

export interface LiveMeshOptions {
  readonly namespace: string;
  /** The app label and the short host name. */
  readonly app: string;
  readonly config: SimulationConfig;
  readonly exporter: IstioExporter;
  /** How often the simulation catches up with the clock. @default 20 */
  readonly stepMs?: number;
}

export class LiveMesh {
  readonly host: string;
  private readonly sim: SteppedSimulation;
  private started = performance.now();
  private timer?: NodeJS.Timeout;
  private lastBusy: Record<string, number> = {};
  private readonly pods: Record<string, number> = {};
  private latencies: Histogram = newLatencyHistogram();
  private failures = 0;
  private requests = 0;
  /** Each routing the mesh switched to, with the simulated time. */
  readonly routings: { atMs: number; weights: Record<string, number>; lane: readonly string[] }[] = [];

  constructor(private readonly options: LiveMeshOptions) {
    this.host = `${options.app}.${options.namespace}.svc.cluster.local`;
    for (const r of options.config.replicas) this.pods[r.subset] = (this.pods[r.subset] ?? 0) + 1;
    for (const [version, pods] of Object.entries(this.pods)) {
      options.exporter.addWorkload({
        host: this.host,
        namespace: options.namespace,
        app: options.app,
        version,
        pods,
        cpuLimitCores: 1,
      });
    }
    this.sim = steppedSimulation(options.config, {
      onTry: (subset, latencyMs, failed, replica) =>
        options.exporter.record(
          this.host,
          subset,
          failed ? 503 : 200,
          latencyMs,
          1,
          `${options.app}-${replica}`,
        ),
      onRequest: (latencyMs, failed) => {
        options.exporter.recordRequest(this.host, failed ? 503 : 200);
        this.requests++;
        if (failed) this.failures++;
        this.latencies.recordValue(Math.max(1, Math.round(latencyMs * 1000)));
      },
    });
  }

  /** Simulated milliseconds since the start. */
  get nowMs(): number {
    return performance.now() - this.started;
  }

  start(): void {
    this.started = performance.now();
    const step = () => {
      this.sim.advanceTo(this.nowMs);
      const busy = this.sim.replicaBusyMs();
      for (const [replica, ms] of Object.entries(busy)) {
        const delta = ms - (this.lastBusy[replica] ?? 0);
        const subset = replica.slice(0, replica.lastIndexOf("-"));
        if (delta > 0)
          this.options.exporter.busy(this.host, subset, delta / 1000, `${this.options.app}-${replica}`);
      }
      this.lastBusy = busy;
    };
    this.timer = setInterval(step, this.options.stepMs ?? 20);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Follows the routing the API double holds for this destination. */
  follow(api: KubeApiDouble, virtualService: string, destinationRule: string): void {
    const apply = () => {
      const vs = api.get(
        "networking.istio.io/v1",
        "VirtualService",
        this.options.namespace,
        virtualService,
      ) as KubeObject | undefined;
      const dr = api.get(
        "networking.istio.io/v1",
        "DestinationRule",
        this.options.namespace,
        destinationRule,
      ) as KubeObject | undefined;
      if (!vs || !dr) return;
      const filters = api
        .list("networking.istio.io/v1alpha3", "EnvoyFilter")
        .filter((f) => f.metadata.namespace === this.options.namespace);
      const hedge = filters.some((f) => f.metadata.name.startsWith("meshpilot-hedge-"));
      // What Envoy and istiod would make of the rest: the least-request filter's scan, and the
      // pods whose lane label takes them out of their subset, with the route's mirror as probes.
      const fullScan = filters.some(
        (f) => f.metadata.name.startsWith("meshpilot-lb-") && JSON.stringify(f).includes('"FULL_SCAN"'),
      );
      const prefix = `${this.options.app}-`;
      const quarantined = api
        .list("v1", "Pod")
        .filter(
          (p) =>
            p.metadata.namespace === this.options.namespace &&
            (p.metadata as { labels?: Record<string, string> }).labels?.[LANE_LABEL] === LANE_QUARANTINE,
        )
        .map((p) => p.metadata.name.slice(prefix.length))
        .sort();
      const mirror = (vs.spec?.http as { mirrorPercentage?: { value?: number } }[] | undefined)?.[0]
        ?.mirrorPercentage?.value;
      const knobs = currentKnobs(vs, dr, this.host, {
        hedge,
        leastRequest: fullScan ? { choiceCount: 2, fullScan: true } : undefined,
        lane: quarantined.length > 0 ? { quarantined, probePercent: mirror ?? 0 } : undefined,
      });
      if (JSON.stringify(knobs) === JSON.stringify(this.sim.routing)) return;
      this.sim.advanceTo(this.nowMs);
      this.sim.setRouting(knobs);
      this.routings.push({
        atMs: Math.round(this.nowMs),
        weights: { ...knobs.weights },
        lane: knobs.lane?.quarantined ?? [],
      });
    };
    api.onChange((_type, object) => {
      if (object.metadata.namespace === this.options.namespace) apply();
    });
    apply();
  }

  /** Starts a fresh measurement of what clients see. */
  mark(): void {
    this.latencies = newLatencyHistogram();
    this.failures = 0;
    this.requests = 0;
  }

  /** What clients saw since the mark. */
  measured(): { requests: number; errorRatio: number; p50Ms: number; p99Ms: number } {
    return {
      requests: this.requests,
      errorRatio: this.requests > 0 ? this.failures / this.requests : 0,
      p50Ms: this.latencies.getValueAtPercentile(50) / 1000,
      p99Ms: this.latencies.getValueAtPercentile(99) / 1000,
    };
  }
}
