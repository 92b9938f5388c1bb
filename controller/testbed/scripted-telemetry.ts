/**
 * Telemetry from a script instead of Prometheus, for the reconciler's fault and safety tests:
 * each interval the test says what every destination's subsets look like. The closed-loop test
 * and the Prometheus source's own tests use the real Prometheus; this isolates the decisions.
 */
import type { Observation, SubsetStats } from "../metrics/observation.js";
import type { Destination, MetricsSource } from "../metrics/source.js";

export interface SubsetScript {
  readonly p99Ms: number;
  readonly errorRatio?: number;
  readonly rps?: number;
}

/** undefined: the destination is stale this interval. */
export type Script = (host: string, interval: number) => Readonly<Record<string, SubsetScript>> | undefined;

export class ScriptedTelemetry implements MetricsSource {
  interval = 0;
  calls = 0;
  /** Runs inside observe(), between the start of an interval and its decisions (mid-interval faults). */
  during?: () => Promise<void>;

  /**
   * @param history a destination's request rate at a time, for the predictive scaler's start
   *   (undefined: no data then); without it the source has no history, as the simulator's has none.
   */
  constructor(
    public script: Script,
    history?: (host: string, atMs: number) => number | undefined,
  ) {
    if (history)
      this.history = async (host, fromMs, toMs, stepMs) =>
        Array.from({ length: Math.floor((toMs - fromMs) / stepMs) + 1 }, (_, i) =>
          history(host, fromMs + i * stepMs),
        );
  }

  history?: MetricsSource["history"];

  async observe(destinations: readonly Destination[], windowMs: number, atMs: number) {
    this.calls++;
    const observations = new Map<string, Observation>();
    for (const d of destinations) {
      const subsets = this.script(d.host, this.interval);
      const stats: Record<string, SubsetStats> = {};
      for (const [name, s] of Object.entries(subsets ?? {})) {
        stats[name] = {
          rps: s.rps ?? 100,
          errorRatio: s.errorRatio ?? 0,
          p50Ms: s.p99Ms / 4,
          p95Ms: s.p99Ms / 1.5,
          p99Ms: s.p99Ms,
          cpuUtilization: 0.4,
          replicas: 2,
        };
      }
      observations.set(d.host, {
        atMs,
        windowMs,
        subsets: stats,
        replicas: {},
        stale: subsets === undefined,
      });
    }
    this.interval++;
    if (this.during) await this.during();
    return { observations, errors: [] };
  }
}
