/**
 * The MetricsSource port: observe destinations over a window. The controller reads Prometheus;
 * the simulator's runner reads its simulated Prometheus (or, to measure what that costs, exact
 * figures); the reconciler's tests read a script. All return the same Observation, so a policy
 * cannot tell which one it is talking to.
 */
import type { Observation } from "./observation.js";

/** A destination the controller watches: its host, and the namespace and app its pods carry. */
export interface Destination {
  readonly host: string;
  readonly namespace: string;
  readonly app: string;
  /**
   * Pods in the quarantine lane: reported on their own, but left out of their version's figures,
   * since the only traffic they get is mirrored probes that no client waits on.
   */
  readonly lane?: readonly string[];
}

export interface Observed {
  /** By destination host. */
  readonly observations: Map<string, Observation>;
  /** What went wrong this interval, in words; the observations it touched are stale. */
  readonly errors: string[];
}

export interface MetricsSource {
  observe(destinations: readonly Destination[], windowMs: number, atMs: number): Promise<Observed>;
  /**
   * A destination's request rate (every version, as its servers saw it) at each step from `fromMs`
   * to `toMs`, undefined where there is no data: what the predictive scaler's forecaster starts
   * from, so a restart does not cost it a season. A source without history leaves this out, and
   * the forecaster starts cold.
   */
  history?(host: string, fromMs: number, toMs: number, stepMs: number): Promise<(number | undefined)[]>;
}

export const METRICS_SOURCES = ["prometheus", "simulator", "scripted"] as const;
