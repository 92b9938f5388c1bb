/**
 * Envoy's client-side weighted round robin (envoy.load_balancing_policies.client_side_weighted_
 * round_robin, after gRPC's A58): every response carries the server's ORCA load report, and once a
 * second each host's weight becomes qps / (utilization + penalty x eps / qps). A host is weighted
 * by its reports only after reporting for the blackout period, and not once its last report is
 * older than the expiration period; until then it gets the median of the valid weights. Hosts are
 * then picked by earliest deadline first, as Envoy's EDF scheduler does.
 *
 * The server side models a metric recorder that refreshes its figures every second: CPU
 * utilization (busy slots over slots), requests and errors per second over the last second.
 * Defaults as Envoy's source sets them: blackout 10 s, expiration 3 min, update every 1 s;
 * error_utilization_penalty 1.0.
 */
import { accrueBusy, type ReplicaState } from "../replica.js";
import type { BalancerServices, StatefulBalancer } from "./stateful-balancer.js";

export const ORCA_DEFAULTS = {
  blackoutMs: 10_000,
  expirationMs: 180_000,
  updateMs: 1000,
  errorPenalty: 1.0,
  /** How often the server's recorder refreshes the figures it reports. */
  recorderMs: 1000,
};

interface ServerRecorder {
  windowStart: number;
  busyAtStart: number;
  served: number;
  failed: number;
  report: { qps: number; eps: number; utilization: number } | undefined;
}

interface HostWeight {
  weight?: number;
  nonEmptySince?: number;
  lastUpdate?: number;
}

export class OrcaWeightedRoundRobin implements StatefulBalancer {
  private readonly servers = new Map<ReplicaState, ServerRecorder>();
  private readonly hosts = new Map<ReplicaState, HostWeight>();
  private readonly weights = new Map<ReplicaState, number>();
  private readonly deadlines = new Map<ReplicaState, number>();
  private nextUpdate: number;

  constructor(
    private readonly services: BalancerServices,
    private readonly options = ORCA_DEFAULTS,
  ) {
    this.nextUpdate = options.updateMs;
  }

  pick(hosts: readonly ReplicaState[]): ReplicaState {
    const now = this.services.now();
    while (now >= this.nextUpdate) {
      this.updateWeights(hosts, this.nextUpdate);
      this.nextUpdate += this.options.updateMs;
    }
    // Earliest deadline first: each pick moves the host's deadline on by 1 / weight.
    let best = hosts[0];
    let bestDeadline = Number.POSITIVE_INFINITY;
    for (const h of hosts) {
      const d = this.deadlines.get(h) ?? 1 / (this.weights.get(h) ?? 1);
      if (d < bestDeadline) {
        best = h;
        bestDeadline = d;
      }
    }
    this.deadlines.set(best, bestDeadline + 1 / (this.weights.get(best) ?? 1));
    return best;
  }

  onServed(replica: ReplicaState, _latencyMs: number, failed: boolean): void {
    const r = this.recorder(replica);
    r.served++;
    if (failed) r.failed++;
  }

  /** The response carries the server's last report; the client updates the host's weight from it. */
  onResponse(replica: ReplicaState): void {
    const now = this.services.now();
    const report = this.recorder(replica).report;
    if (!report || report.qps <= 0) return;
    const utilization = report.utilization + (this.options.errorPenalty * report.eps) / report.qps;
    if (utilization <= 0) return;
    const h = this.hosts.get(replica) ?? {};
    // A host whose weights had expired starts its blackout again.
    if (h.lastUpdate === undefined || now - h.lastUpdate >= this.options.expirationMs) h.nonEmptySince = now;
    h.weight = Math.floor(report.qps / utilization);
    h.lastUpdate = now;
    this.hosts.set(replica, h);
  }

  private updateWeights(hosts: readonly ReplicaState[], now: number): void {
    const valid: number[] = [];
    const pending: ReplicaState[] = [];
    for (const host of hosts) {
      const h = this.hosts.get(host);
      const ok =
        h?.weight !== undefined &&
        h.weight > 0 &&
        (h.nonEmptySince as number) <= now - this.options.blackoutMs &&
        (h.lastUpdate as number) >= now - this.options.expirationMs;
      if (ok) {
        valid.push(h.weight as number);
        this.weights.set(host, h.weight as number);
      } else pending.push(host);
    }
    const sorted = [...valid].sort((a, b) => a - b);
    const median = sorted.length > 0 ? sorted[Math.floor(sorted.length / 2)] : 1;
    for (const host of pending) this.weights.set(host, median);
    // A new schedule, as Envoy rebuilds its EDF scheduler when weights change.
    this.deadlines.clear();
  }

  /** The server's recorder, with its figures refreshed if a recorder period has passed. */
  private recorder(replica: ReplicaState): ServerRecorder {
    const now = this.services.now();
    let r = this.servers.get(replica);
    if (!r) {
      accrueBusy(replica, now);
      r = { windowStart: 0, busyAtStart: 0, served: 0, failed: 0, report: undefined };
      this.servers.set(replica, r);
    }
    const period = this.options.recorderMs;
    if (now >= r.windowStart + period) {
      accrueBusy(replica, now);
      const elapsed = now - r.windowStart;
      const busy = replica.busyIntegral - r.busyAtStart;
      r.report = {
        qps: (r.served * 1000) / elapsed,
        eps: (r.failed * 1000) / elapsed,
        utilization: busy / (replica.slots * elapsed),
      };
      r.windowStart = now;
      r.busyAtStart = replica.busyIntegral;
      r.served = 0;
      r.failed = 0;
    }
    return r;
  }
}
