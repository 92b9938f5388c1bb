import type { Random } from "../../common/random.js";
import type { LeastRequestKnob } from "../policy/policy.js";
import type { LoadBalancer } from "./model.js";
import { PEAK_EWMA_DECAY_MS, queued, type ReplicaState } from "./replica.js";

/** What a balancer may know besides the hosts: the clock, randomness and (oracle only) true speeds. */
export interface BalancerContext {
  readonly now: number;
  readonly random: Random;
  /** The replica's true current speed; only the oracle reads it. */
  readonly speedOf: (replica: ReplicaState) => number;
  /** Whether the replica is up; only the oracle reads it. */
  readonly upOf: (replica: ReplicaState) => boolean;
}

/**
 * Picks a host for one try. `roundRobin` holds one counter per subset.
 *
 * ROUND_ROBIN, RANDOM and LEAST_REQUEST are Envoy's; PEAK_EWMA is Linkerd's balancer; ORACLE
 * knows each replica's true speed and queue and is the practical limit results are compared to.
 */
export function pickHost(
  algorithm: LoadBalancer,
  hosts: readonly ReplicaState[],
  ctx: BalancerContext,
  roundRobin: { next: number },
  leastRequest?: LeastRequestKnob,
): ReplicaState {
  const n = hosts.length;
  if (n === 1) return hosts[0];
  switch (algorithm) {
    case "ROUND_ROBIN": {
      const host = hosts[roundRobin.next % n];
      roundRobin.next = (roundRobin.next + 1) % n;
      return host;
    }
    case "RANDOM":
      return hosts[ctx.random.int(n)];
    case "LEAST_REQUEST": {
      if (leastRequest?.fullScan) return fullScan(hosts, ctx.random);
      // Envoy's N_CHOICES (default two): draws with replacement (the same host can come up
      // twice), each replacing the pick only with strictly fewer active requests
      // (least_request_lb.cc, unweightedHostPickNChoices).
      const choices = leastRequest?.choiceCount ?? 2;
      let best = hosts[ctx.random.int(n)];
      for (let i = 1; i < choices; i++) {
        const h = hosts[ctx.random.int(n)];
        if (h.inflight < best.inflight) best = h;
      }
      return best;
    }
    case "LEAST_REQUEST_FULL_SCAN":
      return fullScan(hosts, ctx.random);
    case "PEAK_EWMA": {
      // Linkerd: power of two choices on (decayed peak-sensitive latency) x (pending + 1).
      const [a, b] = twoDistinct(hosts, ctx.random);
      return peakEwmaCost(b, ctx.now) < peakEwmaCost(a, ctx.now) ? b : a;
    }
    case "ORACLE": {
      let best = hosts[0];
      let bestMs = Number.POSITIVE_INFINITY;
      for (const h of hosts) {
        const ms = ctx.upOf(h) ? expectedCompletionMs(h, ctx.speedOf(h)) : Number.POSITIVE_INFINITY;
        if (ms < bestMs) {
          best = h;
          bestMs = ms;
        }
      }
      return best;
    }
    case "ORCA_WRR":
    case "PREQUAL":
      throw new Error(`${algorithm} keeps state between picks; the engine asks its own balancer`);
  }
}

/**
 * Envoy's FULL_SCAN: the fewest active requests of all hosts, ties broken uniformly by reservoir
 * sampling (unweightedHostPickFullScan): join-shortest-queue.
 */
function fullScan(hosts: readonly ReplicaState[], random: Random): ReplicaState {
  let best = hosts[0];
  let tied = 1;
  for (let i = 1; i < hosts.length; i++) {
    const h = hosts[i];
    if (h.inflight < best.inflight) {
      best = h;
      tied = 1;
    } else if (h.inflight === best.inflight && random.int(++tied) === 0) best = h;
  }
  return best;
}

function twoDistinct(hosts: readonly ReplicaState[], random: Random): [ReplicaState, ReplicaState] {
  const a = random.int(hosts.length);
  let b = random.int(hosts.length - 1);
  if (b >= a) b++;
  return [hosts[a], hosts[b]];
}

/** Expected time until a new request on this replica completes, from its true queue and speed. */
export function expectedCompletionMs(r: ReplicaState, speed: number): number {
  const waitingAhead = Math.max(0, queued(r) - r.slots + 1);
  return ((waitingAhead / r.slots + 1) * r.meanServiceMs) / speed;
}

/** Linkerd's load estimate: the latency estimate decayed to now, times (pending + 1). */
function peakEwmaCost(r: ReplicaState, now: number): number {
  const decayed = r.ewmaMs * Math.exp(-(now - r.ewmaStamp) / PEAK_EWMA_DECAY_MS);
  return decayed * (r.inflight + 1);
}

/** Updates a replica's peak-EWMA estimate with one observed round-trip time. */
export function observeLatency(r: ReplicaState, rttMs: number, now: number): void {
  const w = Math.exp(-(now - r.ewmaStamp) / PEAK_EWMA_DECAY_MS);
  r.ewmaMs = rttMs > r.ewmaMs ? rttMs : r.ewmaMs * w + rttMs * (1 - w);
  r.ewmaStamp = now;
}
