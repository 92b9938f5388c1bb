/**
 * Where the AIOps layer reads its signals: a port with a production implementation (Prometheus)
 * and a replay one (recorded snapshots, for tests and for replaying a benchmark run), behind one
 * factory that throws on an unknown name.
 */

import type { PrometheusOptions } from "../metrics/prometheus.js";
import { PrometheusSource } from "../metrics/prometheus.js";
import { UnknownNameError } from "../unknown-name-error.js";
import {
  podQueries,
  readPodSignals,
  readSignalHistory,
  readSignals,
  type SignalRead,
  signalQueries,
} from "./prometheus-signals.js";
import type { Snapshot } from "./signals.js";

export interface SignalSource {
  /** Every service's readings over the window ending at `atMs`. */
  read(namespace: string, services: readonly string[], windowS: number, atMs: number): Promise<SignalRead>;
  /**
   * The readings every `stepMs` over [fromMs, toMs), oldest first, for learning at a start. A
   * source without a past leaves it out, and learning starts from the live readings.
   */
  history?(
    namespace: string,
    services: readonly string[],
    windowS: number,
    range: { readonly fromMs: number; readonly toMs: number; readonly stepMs: number },
  ): Promise<{ snapshots: Snapshot[]; errors: string[] }>;
}

export class PrometheusSignalSource implements SignalSource {
  private readonly prometheus: PrometheusSource;
  constructor(options: PrometheusOptions) {
    this.prometheus = new PrometheusSource(options);
  }
  async read(
    namespace: string,
    services: readonly string[],
    windowS: number,
    atMs: number,
  ): Promise<SignalRead> {
    const [signals, pods] = await Promise.all([
      readSignals(this.prometheus, services, signalQueries(namespace, windowS), atMs),
      readPodSignals(this.prometheus, services, podQueries(namespace, windowS), atMs),
    ]);
    return { ...signals, pods: pods.pods, errors: [...signals.errors, ...pods.errors] };
  }

  history(
    namespace: string,
    services: readonly string[],
    windowS: number,
    range: { readonly fromMs: number; readonly toMs: number; readonly stepMs: number },
  ): Promise<{ snapshots: Snapshot[]; errors: string[] }> {
    return readSignalHistory(this.prometheus, services, signalQueries(namespace, windowS), range);
  }
}

/**
 * Recorded snapshots, replayed: each read answers the newest snapshot at or before its time, with
 * only the services asked for (a service the recording lacks is unreadable). Before the first
 * snapshot, every service is unreadable.
 */
export class ReplaySignalSource implements SignalSource {
  constructor(private readonly snapshots: readonly Snapshot[]) {}
  async read(
    _namespace: string,
    services: readonly string[],
    _windowS: number,
    atMs: number,
  ): Promise<SignalRead> {
    const at = [...this.snapshots].reverse().find((s) => s.atMs <= atMs);
    const readings = Object.fromEntries(services.map((name) => [name, at?.services[name] ?? {}]));
    return {
      snapshot: { atMs, services: readings },
      errors: at === undefined ? ["no recorded snapshot yet"] : [],
    };
  }
}

export const SIGNAL_SOURCES = ["prometheus", "replay"] as const;

export function createSignalSource(
  name: string,
  deps: { readonly prometheus?: PrometheusOptions; readonly snapshots?: readonly Snapshot[] },
  setting = "AIOPS_SIGNAL_SOURCE",
): SignalSource {
  switch (name as (typeof SIGNAL_SOURCES)[number]) {
    case "prometheus":
      if (deps.prometheus === undefined) throw new Error(`${setting}: 'prometheus' needs a Prometheus URL`);
      return new PrometheusSignalSource(deps.prometheus);
    case "replay":
      if (deps.snapshots === undefined) throw new Error(`${setting}: 'replay' needs recorded snapshots`);
      return new ReplaySignalSource(deps.snapshots);
    default:
      throw new UnknownNameError(setting, name, SIGNAL_SOURCES);
  }
}
