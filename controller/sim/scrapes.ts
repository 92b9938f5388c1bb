/**
 * The simulator's Prometheus counters: per subset, what every destination sidecar of that
 * version exports (istio_requests_total by success and error, the istio_request_duration_
 * milliseconds buckets) plus busy CPU, summed over the subset's pods, and snapshotted at each
 * scrape as Prometheus stores them. The simulated metrics source runs PromQL over these.
 */
import { ISTIO_DURATION_BUCKETS } from "../metrics/istio-buckets.js";
import { accrueBusy, type ReplicaState } from "./replica.js";

export interface SubsetCounters {
  readonly requests: number;
  readonly errors: number;
  /** Cumulative counts per bucket of ISTIO_DURATION_BUCKETS, then +Inf. */
  readonly buckets: readonly number[];
  /** Busy slot-seconds; its rate over the subset's slots is CPU utilization. */
  readonly busySlotSeconds: number;
  readonly slots: number;
  readonly replicas: number;
}

export interface Scrape {
  readonly atMs: number;
  readonly subsets: Readonly<Record<string, SubsetCounters>>;
  /** Requests the clients sent, each once (Istio's reporter="source"). */
  readonly clientRequests: number;
}

export class ScrapeRecorder {
  private readonly requests: number[];
  private readonly errors: number[];
  /** Per subset, non-cumulative counts per bucket (the last is +Inf). */
  private readonly counts: number[][];
  readonly scrapes: Scrape[] = [];
  private clientRequests = 0;

  constructor(private readonly subsetNames: readonly string[]) {
    this.requests = subsetNames.map(() => 0);
    this.errors = subsetNames.map(() => 0);
    this.counts = subsetNames.map(() => new Array(ISTIO_DURATION_BUCKETS.length + 1).fill(0));
  }

  /** A request a client sent, counted once however many tries it takes. */
  recordRequest(): void {
    this.clientRequests++;
  }

  /** A try the server sidecar finished: counted in the first bucket whose bound it does not exceed. */
  recordTry(subset: number, latencyMs: number, failed: boolean): void {
    this.requests[subset]++;
    if (failed) this.errors[subset]++;
    let lo = 0;
    let hi = ISTIO_DURATION_BUCKETS.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (ISTIO_DURATION_BUCKETS[mid] >= latencyMs) hi = mid;
      else lo = mid + 1;
    }
    this.counts[subset][lo]++;
  }

  scrape(atMs: number, replicas: readonly ReplicaState[]): void {
    const subsets: Record<string, SubsetCounters> = {};
    this.subsetNames.forEach((name, i) => {
      let busy = 0;
      let slots = 0;
      let count = 0;
      for (const r of replicas) {
        if (r.subsetIndex !== i) continue;
        accrueBusy(r, atMs);
        busy += r.busyIntegral / 1000;
        slots += r.slots;
        count++;
      }
      let running = 0;
      subsets[name] = {
        requests: this.requests[i],
        errors: this.errors[i],
        buckets: this.counts[i].map((c) => (running += c)),
        busySlotSeconds: busy,
        slots,
        replicas: count,
      };
    });
    this.scrapes.push({ atMs, subsets, clientRequests: this.clientRequests });
  }
}
