/**
 * A balancer that keeps its own state between picks and learns from what happens to requests:
 * Envoy's client-side weighted round robin (ORCA reports on responses) and Prequal (asynchronous
 * probes). The engine tells it about sends, completions at the server and responses at the
 * client, and lets it schedule its own events (a probe's trip).
 */
import type { Random } from "../../../common/random.js";
import type { ReplicaState } from "../replica.js";

export interface BalancerServices {
  readonly now: () => number;
  readonly random: Random;
  /** Runs `fn` at simulated time `atMs`. */
  readonly schedule: (atMs: number, fn: () => void) => void;
  /** Requests at the replica now, as the server counts them (in service and waiting). */
  readonly requestsInFlight: (replica: ReplicaState) => number;
}

export interface StatefulBalancer {
  pick(hosts: readonly ReplicaState[]): ReplicaState;
  /** The server finished a try after `latencyMs`, which found `rifAtArrival` requests there. */
  onServed?(replica: ReplicaState, latencyMs: number, failed: boolean, rifAtArrival: number): void;
  /** The client received a try's response. */
  onResponse?(replica: ReplicaState, failed: boolean): void;
}
