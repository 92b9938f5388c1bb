/**
 * Root cause on the call graph. An anomaly in a callee explains its callers' anomalies: a slow or
 * failing service makes everything that calls it slow or failing too, so among the services that
 * look wrong, the likely cause is one whose own callees look fine, and it is likelier still when it
 * explains many of the others. Only symptoms count here: traffic and CPU move with the callers,
 * so a service that is anomalous in its load alone ranks after every service with symptoms. Recent changes (a new version, a config change, an optimizer
 * decision) are ranked beside the services: a change to a suspect shortly before the onset is
 * the usual first thing to undo.
 */

/** Caller → callees, as the shop model's `calls`. */
export type CallGraph = Readonly<Record<string, readonly string[]>>;

export interface ServiceScore {
  /** 1 at the detection threshold. */
  readonly severity: number;
  /**
   * The severity of its symptoms alone (latency, errors, restarts), without its load: a callee
   * whose traffic fell because its caller stalls is not affected. @default severity
   */
  readonly symptom?: number;
  readonly sinceMs?: number;
}

export interface Suspect {
  readonly service: string;
  readonly score: number;
  readonly reasons: readonly string[];
}

export interface RankOptions {
  /** Severity at which a service counts as affected and can explain a caller. @default 0.5 */
  readonly affectedAt?: number;
}

/** Services reachable from `from` through affected services only (its affected callees, theirs, ...). */
function affectedBelow(graph: CallGraph, from: string, affected: ReadonlySet<string>): Set<string> {
  const seen = new Set<string>();
  const stack = [...(graph[from] ?? [])];
  while (stack.length > 0) {
    const s = stack.pop() as string;
    if (seen.has(s) || !affected.has(s)) continue;
    seen.add(s);
    stack.push(...(graph[s] ?? []));
  }
  return seen;
}

export function rankRootCauses(
  graph: CallGraph,
  scores: Readonly<Record<string, ServiceScore>>,
  o: RankOptions = {},
): Suspect[] {
  const at = o.affectedAt ?? 0.5;
  const symptom = (name: string) => scores[name].symptom ?? scores[name].severity;
  const affected = new Set(Object.keys(scores).filter((name) => symptom(name) >= at));
  const below = new Map([...affected].map((s) => [s, affectedBelow(graph, s, affected)]));
  const suspects: Suspect[] = [];
  for (const service of Object.keys(scores).sort()) {
    if (!affected.has(service)) {
      // Anomalous in its load only: listed, after every service with symptoms.
      if (scores[service].severity >= 1)
        suspects.push({ service, score: 0, reasons: ["load changed, no symptom of its own"] });
      continue;
    }
    const own = below.get(service) as Set<string>;
    const explains = [...affected].filter((other) => other !== service && below.get(other)?.has(service));
    const reasons: string[] = [];
    let score = Math.min(symptom(service), 10);
    if (own.size > 0) {
      score *= 0.2;
      reasons.push(`explained by affected callee${own.size > 1 ? "s" : ""} ${[...own].sort().join(", ")}`);
    } else reasons.push("no affected callee");
    if (explains.length > 0) {
      score *= 1 + 0.5 * explains.length;
      reasons.push(`explains ${explains.sort().join(", ")}`);
    }
    suspects.push({ service, score: Number(score.toFixed(4)), reasons });
  }
  return suspects.sort((a, b) => b.score - a.score || a.service.localeCompare(b.service));
}

export interface Change {
  readonly atMs: number;
  readonly service: string;
  readonly kind: "version" | "config" | "optimizer" | "remediation";
  readonly description: string;
  /** What undoes it, when known (a git revert, a routing change). */
  readonly undo?: string;
  /** The Git revision that made it, when Argo CD's sync history ties one to it. */
  readonly revision?: string;
  /** Where in Git: the Argo CD Application's source path. */
  readonly path?: string;
}

export interface RankedChange extends Change {
  readonly score: number;
}

/**
 * Changes from `lookbackMs` before the onset to the onset, scored by how high their service ranks
 * among the suspects and how close to the onset they came (halving every `halfLifeMs`).
 */
export function rankChanges(
  changes: readonly Change[],
  suspects: readonly Suspect[],
  onsetMs: number,
  lookbackMs = 30 * 60_000,
  halfLifeMs = 10 * 60_000,
): RankedChange[] {
  const rank = new Map(suspects.map((s, i) => [s.service, i]));
  return changes
    .filter((c) => c.atMs <= onsetMs && c.atMs >= onsetMs - lookbackMs)
    .map((c) => {
      const r = rank.get(c.service);
      const weight = r === undefined ? 0.1 : 1 / (1 + r);
      const recency = 0.5 ** ((onsetMs - c.atMs) / halfLifeMs);
      return { ...c, score: Number((weight * recency).toFixed(4)) };
    })
    .sort((a, b) => b.score - a.score || b.atMs - a.atMs);
}
