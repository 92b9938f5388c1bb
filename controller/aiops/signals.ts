/**
 * The signals the AIOps layer watches, per service, and which way each one goes wrong. One
 * snapshot holds every service's readings at one moment; a signal that could not be read is
 * absent, never zero, so missing telemetry is never mistaken for a healthy quiet.
 */

export const SIGNALS = {
  /** Requests per second the service received (Istio, reporter=destination). Both ways: a drop is news. */
  rps: { direction: "both", floor: 0.5, kind: "load" },
  /** Share of requests answered 5xx or not at all (Istio). */
  errorRatio: { direction: "up", floor: 0.01, kind: "symptom" },
  /** Median and tail latency, ms (Istio's histogram). */
  p50Ms: { direction: "up", floor: 5, kind: "symptom" },
  p99Ms: { direction: "up", floor: 20, kind: "symptom" },
  /** The service's own view: its request-duration tail, ms, and its event-loop lag p99, ms (its /metrics). */
  appP99Ms: { direction: "up", floor: 20, kind: "symptom" },
  eventLoopP99Ms: { direction: "up", floor: 5, kind: "symptom" },
  /** CPU the process used, cores. */
  cpuCores: { direction: "both", floor: 0.05, kind: "load" },
  /** Container restarts in the window and pods not ready (kube-state-metrics). */
  restarts: { direction: "up", floor: 0.5, kind: "symptom" },
  notReady: { direction: "up", floor: 0.5, kind: "symptom" },
} as const satisfies Record<string, SignalSpec>;

export interface SignalSpec {
  /** Which deviation is a symptom: "up" (latency, errors), or "both" (traffic, CPU). */
  readonly direction: "up" | "both";
  /**
   * The smallest spread the signal is judged against, in its unit. A perfectly flat healthy signal
   * (no errors at all) has no spread; without a floor, its first error would be infinitely unusual.
   */
  readonly floor: number;
  /**
   * symptom: the service itself is unwell (slow, failing, restarting). load: how much work it gets
   * or does, which changes when anything upstream changes (callers that stall send less), so a load
   * anomaly alone never makes a service the suspect.
   */
  readonly kind: "symptom" | "load";
}

export type SignalName = keyof typeof SIGNALS;
export const SIGNAL_NAMES = Object.keys(SIGNALS) as SignalName[];

export type Readings = Partial<Record<SignalName, number>>;

export interface Snapshot {
  readonly atMs: number;
  /** Per service; a service that is absent could not be read at all. */
  readonly services: Readonly<Record<string, Readings>>;
}

/** How far `value` lies beyond `center` in the signal's bad direction, in units of `scale`. */
export function directionalScore(name: SignalName, value: number, center: number, scale: number): number {
  const spread = Math.max(scale, SIGNALS[name].floor);
  const z = (value - center) / spread;
  return SIGNALS[name].direction === "up" ? Math.max(0, z) : Math.abs(z);
}
