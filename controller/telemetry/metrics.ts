/**
 * The optimizer's own metrics on /metrics: what it decided and why (decisions by kind, reward
 * and its terms, weights per subset), how long it took (loop duration, query latency), and
 * whether this replica leads. Names carry the meshpilot_optimizer_ prefix the dashboard reads.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

export const DECISION_KINDS = [
  "hold",
  "change",
  "recommend",
  "observe",
  "paused",
  "restore",
  "rollback",
  "invalid",
  "stale",
  "error",
] as const;
export type DecisionKind = (typeof DECISION_KINDS)[number];

export class OptimizerMetrics {
  readonly registry = new Registry();
  readonly decisions = new Counter({
    name: "meshpilot_optimizer_decisions_total",
    help: "Decisions per intent interval, by kind.",
    labelNames: ["kind"] as const,
    registers: [this.registry],
  });
  readonly reward = new Gauge({
    name: "meshpilot_optimizer_reward",
    help: "The last interval's reward and its terms, per intent.",
    labelNames: ["namespace", "intent", "term"] as const,
    registers: [this.registry],
  });
  readonly weight = new Gauge({
    name: "meshpilot_optimizer_weight_percent",
    help: "Subset weight in force, per intent.",
    labelNames: ["namespace", "intent", "subset"] as const,
    registers: [this.registry],
  });
  readonly loop = new Histogram({
    name: "meshpilot_optimizer_loop_duration_seconds",
    help: "One control interval: observe, decide, act, for every intent.",
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly query = new Histogram({
    name: "meshpilot_optimizer_query_duration_seconds",
    help: "PromQL query latency, by query and outcome.",
    labelNames: ["query", "outcome"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly writes = new Counter({
    name: "meshpilot_optimizer_writes_total",
    help: "Routing writes to the API server, by outcome.",
    labelNames: ["outcome"] as const,
    registers: [this.registry],
  });
  readonly leader = new Gauge({
    name: "meshpilot_optimizer_leader",
    help: "1 while this replica holds the leader lease.",
    registers: [this.registry],
  });

  constructor(options: { processMetrics?: boolean } = {}) {
    for (const kind of DECISION_KINDS) this.decisions.inc({ kind }, 0);
    this.leader.set(0);
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry });
  }

  onQuery = (name: string, seconds: number, ok: boolean): void => {
    this.query.observe({ query: name, outcome: ok ? "ok" : "error" }, seconds);
  };

  /** Drops an intent's series when the intent goes away. */
  forget(namespace: string, intent: string): void {
    this.reward.remove({ namespace, intent, term: "total" });
    for (const term of ["latency", "errors", "cost"]) this.reward.remove({ namespace, intent, term });
    const weights = this.weight as unknown as { hashMap: Record<string, { labels: Record<string, string> }> };
    for (const entry of Object.values(weights.hashMap ?? {}))
      if (entry.labels.namespace === namespace && entry.labels.intent === intent)
        this.weight.remove(entry.labels);
  }
}
