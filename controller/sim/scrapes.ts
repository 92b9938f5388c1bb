/**
 * The simulator's Prometheus counters: what each destination sidecar exports (istio_requests_total
 * by success and error, the istio_request_duration_milliseconds buckets) plus its pod's busy CPU,
 * snapshotted per pod at each scrape as Prometheus stores them. The simulated metrics source
 * runs the controller's PromQL over these.
 */
import { ISTIO_DURATION_BUCKETS } from "../metrics/istio-buckets.js";
import { accrueBusy, type ReplicaState } from "./replica.js";

export interface PodCounters {
  /** The pod's version (its `version` label, which Istio reports as destination_version). */
  readonly subset: string;
  readonly requests: number;
  readonly errors: number;
  /** Cumulative counts per bucket of ISTIO_DURATION_BUCKETS, then +Inf. */
  readonly buckets: readonly number[];
  /** Busy slot-seconds; its rate over the slots is CPU utilization. */
  readonly busySlotSeconds: number;
  readonly slots: number;
}

export interface Scrape {
  readonly atMs: number;
  /** Per pod (the `pod` label Prometheus adds to every series it scrapes from a sidecar). */
  readonly pods: Readonly<Record<string, PodCounters>>;
  /** Requests the clients sent, each once (Istio's reporter="source"). */
  readonly clientRequests: number;
}

const BUCKETS = ISTIO_DURATION_BUCKETS.length + 1;

export class ScrapeRecorder {
  private readonly requests: number[];
  private readonly errors: number[];
  /** Per replica, non-cumulative counts per bucket (the last is +Inf). */
  private readonly counts: number[][];
  readonly scrapes: Scrape[] = [];
  private clientRequests = 0;

  constructor(replicas: number) {
    this.requests = new Array(replicas).fill(0);
    this.errors = new Array(replicas).fill(0);
    this.counts = Array.from({ length: replicas }, () => new Array(BUCKETS).fill(0));
  }

  /** A request a client sent, counted once however many tries it takes. */
  recordRequest(): void {
    this.clientRequests++;
  }

  /** A try the replica's sidecar finished: counted in the first bucket whose bound it does not exceed. */
  recordTry(replica: number, latencyMs: number, failed: boolean): void {
    this.requests[replica]++;
    if (failed) this.errors[replica]++;
    let lo = 0;
    let hi = ISTIO_DURATION_BUCKETS.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (ISTIO_DURATION_BUCKETS[mid] >= latencyMs) hi = mid;
      else lo = mid + 1;
    }
    this.counts[replica][lo]++;
  }

  scrape(atMs: number, replicas: readonly ReplicaState[]): void {
    const pods: Record<string, PodCounters> = {};
    for (const r of replicas) {
      accrueBusy(r, atMs);
      let running = 0;
      pods[r.id] = {
        subset: r.subset,
        requests: this.requests[r.index],
        errors: this.errors[r.index],
        buckets: this.counts[r.index].map((c) => (running += c)),
        busySlotSeconds: r.busyIntegral / 1000,
        slots: r.slots,
      };
    }
    this.scrapes.push({ atMs, pods, clientRequests: this.clientRequests });
  }
}
