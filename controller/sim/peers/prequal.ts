/**
 * Prequal (Wydrowski, Kleinberg, Rumble, Kassam: "Load is not what you should balance:
 * Introducing Prequal", NSDI 2024), as a per-request peer. The client keeps a pool of probe
 * answers and picks a replica by the hot-cold lexicographic rule: among probes whose
 * requests-in-flight (RIF) are below the pool's RIF quantile, the lowest estimated latency; if all
 * are hot, the lowest RIF.
 *
 * What makes it faithful rather than an oracle: probes are asynchronous. Each request sends
 * `probesPerQuery` probes to distinct random replicas; a probe reaches the server after half a
 * round trip, reads the server's RIF and latency estimate there, and joins the pool half a round
 * trip later, so every answer is stale by the time it is used. A probe ages out after
 * `maxAgeMs` and is used at most `reuse` times; each use counts one more request against it. The
 * pool holds at most `poolSize` probes and drops the oldest. A server estimates the latency a
 * request would see now as the median latency of its recent requests (the last `latencyWindow` at
 * each count) that arrived at the same requests-in-flight as it has now, the nearest such count
 * when none did. Probes are answered off the request path, so they take no worker slot. With an empty pool
 * the pick is random.
 *
 * The pool size and the rule are the paper's; the probe rate, age, reuse budget, quantile and round
 * trip are our choices within the ranges the paper discusses, and are named here so a reader can
 * change them.
 */
import type { ReplicaState } from "../replica.js";
import type { BalancerServices, StatefulBalancer } from "./stateful-balancer.js";

export const PREQUAL_DEFAULTS = {
  poolSize: 16,
  probesPerQuery: 3,
  maxAgeMs: 1000,
  reuse: 2,
  /** Probes at or above this quantile of the pool's RIF are hot. */
  rifQuantile: 0.84,
  roundTripMs: 1,
  latencyWindow: 16,
};

interface Probe {
  readonly replica: ReplicaState;
  rif: number;
  readonly latencyMs: number;
  /** When the server answered. */
  readonly atMs: number;
  /** When the answer reaches the client, half a round trip later. */
  readonly arrivesMs: number;
  uses: number;
}

export class Prequal implements StatefulBalancer {
  private pool: Probe[] = [];
  /** Answers on their way back to the client, in order of arrival. */
  private inFlight: Probe[] = [];
  /** Each server's recent latencies by the requests in flight they arrived at; newest last. */
  private readonly history = new Map<ReplicaState, Map<number, number[]>>();

  constructor(
    private readonly services: BalancerServices,
    private readonly options = PREQUAL_DEFAULTS,
  ) {}

  pick(hosts: readonly ReplicaState[]): ReplicaState {
    this.probe(hosts);
    const now = this.services.now();
    this.receive(now);
    this.pool = this.pool.filter(
      (p) =>
        now - p.atMs <= this.options.maxAgeMs && p.uses < this.options.reuse && hosts.includes(p.replica),
    );
    if (this.pool.length === 0) return hosts[this.services.random.int(hosts.length)];
    const chosen = hotColdLexicographic(this.pool, this.options.rifQuantile);
    chosen.uses++;
    chosen.rif++;
    return chosen.replica;
  }

  onServed(replica: ReplicaState, latencyMs: number, _failed: boolean, rifAtArrival: number): void {
    const byRif = this.history.get(replica) ?? new Map<number, number[]>();
    this.history.set(replica, byRif);
    const recent = byRif.get(rifAtArrival) ?? [];
    byRif.set(rifAtArrival, recent);
    recent.push(latencyMs);
    if (recent.length > this.options.latencyWindow) recent.shift();
  }

  /** The server's answer to a probe: its requests in flight and its latency estimate at that load. */
  private answer(replica: ReplicaState): { rif: number; latencyMs: number } {
    const rif = this.services.requestsInFlight(replica);
    return { rif, latencyMs: latencyAt(this.history.get(replica), rif) };
  }

  /** Answers that have reached the client join the pool, which drops its oldest beyond its size. */
  private receive(now: number): void {
    let arrived = 0;
    while (arrived < this.inFlight.length && this.inFlight[arrived].arrivesMs <= now) arrived++;
    if (arrived === 0) return;
    this.pool.push(...this.inFlight.splice(0, arrived));
    if (this.pool.length > this.options.poolSize)
      this.pool.splice(0, this.pool.length - this.options.poolSize);
  }

  private probe(hosts: readonly ReplicaState[]): void {
    const count = Math.min(this.options.probesPerQuery, hosts.length);
    const targets = [...hosts];
    const half = this.options.roundTripMs / 2;
    const now = this.services.now();
    for (let i = 0; i < count; i++) {
      const j = i + this.services.random.int(targets.length - i);
      [targets[i], targets[j]] = [targets[j], targets[i]];
      const replica = targets[i];
      // The server reads its state when the probe reaches it; the answer travels back half a trip.
      this.services.schedule(now + half, () => {
        const { rif, latencyMs } = this.answer(replica);
        const atMs = this.services.now();
        this.inFlight.push({ replica, rif, latencyMs, atMs, arrivesMs: atMs + half, uses: 0 });
      });
    }
  }
}

/** The median recent latency at the requests-in-flight count nearest `rif` (the lower on a tie); 0 with none. */
export function latencyAt(byRif: ReadonlyMap<number, readonly number[]> | undefined, rif: number): number {
  if (!byRif || byRif.size === 0) return 0;
  let nearest: readonly number[] | undefined;
  for (let d = 0; !nearest; d++) nearest = byRif.get(rif - d) ?? byRif.get(rif + d);
  const sorted = [...nearest].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** The hot-cold lexicographic rule over a non-empty pool. */
export function hotColdLexicographic<P extends { rif: number; latencyMs: number }>(
  pool: readonly P[],
  quantile: number,
): P {
  const rifs = pool.map((p) => p.rif).sort((a, b) => a - b);
  const threshold = rifs[Math.min(rifs.length - 1, Math.floor(quantile * rifs.length))];
  const cold = pool.filter((p) => p.rif < threshold);
  if (cold.length > 0) return cold.reduce((a, b) => (b.latencyMs < a.latencyMs ? b : a));
  return pool.reduce((a, b) => (b.rif < a.rif || (b.rif === a.rif && b.latencyMs < a.latencyMs) ? b : a));
}
