/**
 * Turns benchmark runs into the report: summary rows with 95% intervals across seeds, the
 * seed-001 table, and each target marked met or missed with its figure.
 */
import type { SimulationResult } from "../sim/engine.js";
import { formatInterval, type Interval, meanInterval } from "./stats.js";

export interface RunRecord {
  readonly scenario: string;
  readonly contender: string;
  readonly kind: "peer" | "meshpilot";
  readonly seed: number;
  readonly result: SimulationResult;
}

export interface SummaryRow {
  readonly scenario: string;
  readonly contender: string;
  readonly kind: "peer" | "meshpilot";
  readonly p50Ms: Interval;
  readonly p99Ms: Interval;
  readonly p999Ms: Interval;
  readonly errorRatio: Interval;
  readonly throughputRps: Interval;
  readonly extraLoad: Interval;
  readonly utilizationCv: Interval;
}

export function summarize(runs: readonly RunRecord[]): SummaryRow[] {
  const keys = [...new Set(runs.map((r) => `${r.scenario}\u0000${r.contender}`))];
  return keys.map((key) => {
    const [scenario, contender] = key.split("\u0000");
    const group = runs.filter((r) => r.scenario === scenario && r.contender === contender);
    const of = (f: (r: SimulationResult) => number) => meanInterval(group.map((g) => f(g.result)));
    return {
      scenario,
      contender,
      kind: group[0].kind,
      p50Ms: of((r) => r.p50Ms),
      p99Ms: of((r) => r.p99Ms),
      p999Ms: of((r) => r.p999Ms),
      errorRatio: of((r) => (r.completed > 0 ? r.errors / r.completed : Number.NaN)),
      throughputRps: of((r) => r.throughputRps),
      extraLoad: of((r) => r.extraLoad),
      utilizationCv: of((r) => r.utilizationCv),
    };
  });
}

export function row(
  rows: readonly SummaryRow[],
  scenario: string,
  contender: string,
): SummaryRow | undefined {
  return rows.find((r) => r.scenario === scenario && r.contender === contender);
}

/** The Meshpilot policy with the lowest mean p99 in a scenario. */
export function bestMeshpilot(rows: readonly SummaryRow[], scenario: string): SummaryRow | undefined {
  return rows
    .filter((r) => r.scenario === scenario && r.kind === "meshpilot")
    .sort((a, b) => a.p99Ms.mean - b.p99Ms.mean)[0];
}

export interface Target {
  readonly name: string;
  /** The measured figure, as text. */
  readonly figure: string;
  /** undefined when the bench did not run what the target needs. */
  readonly met: boolean | undefined;
}

function ratioTarget(
  name: string,
  a: SummaryRow | undefined,
  b: SummaryRow | undefined,
  pick: (r: SummaryRow) => number,
  max: number,
  unit = "",
): Target {
  if (!a || !b) return { name, figure: "not measured in this run", met: undefined };
  const ratio = pick(a) / pick(b);
  return {
    name,
    figure: `${a.contender} ${pick(a).toFixed(unit === "%" ? 4 : 1)} against ${b.contender} ${pick(b).toFixed(unit === "%" ? 4 : 1)}: ratio ${Number.isFinite(ratio) ? ratio.toFixed(2) : "n/a"}`,
    met: Number.isFinite(ratio) ? ratio <= max : pick(a) === 0,
  };
}

/** The targets, evaluated on the summary. */
export function evaluateTargets(rows: readonly SummaryRow[], qCurve: readonly number[]): Target[] {
  const brownout = "brownout";
  const best = bestMeshpilot(rows, brownout);
  const b = (c: string) => row(rows, brownout, c);
  const p99 = (r: SummaryRow) => r.p99Ms.mean;
  const targets: Target[] = [
    ratioTarget(
      "Brownout: best Meshpilot p99 at most 0.35 of round robin's",
      best,
      b("round-robin"),
      p99,
      0.35,
    ),
    ratioTarget(
      "Brownout: best Meshpilot p99 at most 0.7 of Istio's default",
      best,
      b("istio-default"),
      p99,
      0.7,
    ),
    ratioTarget("Brownout: best Meshpilot p99 no worse than peak-EWMA", best, b("peak-ewma"), p99, 1),
    ratioTarget("Brownout: best Meshpilot p99 within 1.25 of the oracle", best, b("oracle"), p99, 1.25),
    ratioTarget(
      "Brownout: best Meshpilot error ratio at most 0.55 of round robin's",
      best,
      b("round-robin"),
      (r) => r.errorRatio.mean,
      0.55,
      "%",
    ),
  ];
  targets.push(
    best
      ? {
          name: "Brownout: hedging adds at most 5% load",
          figure: `${best.contender} extra load ${(best.extraLoad.mean * 100).toFixed(1)}%`,
          met: best.extraLoad.mean <= 0.05,
        }
      : {
          name: "Brownout: hedging adds at most 5% load",
          figure: "not measured in this run",
          met: undefined,
        },
  );
  const rr = b("round-robin");
  targets.push(
    best && rr
      ? {
          name: "Brownout: throughput at least 0.98 of round robin's",
          figure: `${best.contender} ${best.throughputRps.mean.toFixed(0)} rps against ${rr.throughputRps.mean.toFixed(0)} rps`,
          met: best.throughputRps.mean >= 0.98 * rr.throughputRps.mean,
        }
      : {
          name: "Brownout: throughput at least 0.98 of round robin's",
          figure: "not measured in this run",
          met: undefined,
        },
  );
  const steadyDefault = row(rows, "steady-heterogeneous", "istio-default");
  for (const r of rows.filter((x) => x.scenario === "steady-heterogeneous" && x.kind === "meshpilot")) {
    targets.push(
      ratioTarget(`Steady: ${r.contender} p99 within 5% of Istio's default`, r, steadyDefault, p99, 1.05),
    );
  }
  targets.push(learningCurveTarget(qCurve));
  const scenarios = [...new Set(rows.map((r) => r.scenario))];
  const wins = scenarios.filter((s) => {
    const q = row(rows, s, "q-learning");
    const base = row(rows, s, "istio-default");
    return q && base && q.p99Ms.mean <= base.p99Ms.mean && q.errorRatio.mean <= base.errorRatio.mean;
  });
  const measured = scenarios.filter((s) => row(rows, s, "q-learning") && row(rows, s, "istio-default"));
  targets.push({
    name: "Q-learning beats its static baseline (the Istio default it starts from) on p99 and errors in at least 3 of 4 scenarios",
    figure:
      measured.length > 0
        ? `${wins.length} of ${measured.length}: ${wins.join(", ") || "none"}`
        : "not measured in this run",
    met: measured.length >= 4 ? wins.length >= 3 : undefined,
  });
  return targets;
}

/** Converged: the last quarter of training episodes varies little and is no worse than the first. */
export function learningCurveTarget(curve: readonly number[]): Target {
  const name = "Q-learning: the learning curve converges";
  if (curve.length < 8) return { name, figure: "not measured in this run", met: undefined };
  const q = Math.floor(curve.length / 4);
  const first = meanInterval(curve.slice(0, q));
  const last = meanInterval(curve.slice(-q));
  const spread = Math.max(...curve.slice(-q)) - Math.min(...curve.slice(-q));
  return {
    name,
    figure: `mean reward first quarter ${first.mean.toFixed(2)}, last quarter ${last.mean.toFixed(2)}, last-quarter spread ${spread.toFixed(2)}`,
    met: last.mean >= first.mean - 0.05 && spread <= 0.5,
  };
}

const ms = (i: Interval) => formatInterval(i);
const pct = (i: Interval) =>
  Number.isFinite(i.mean)
    ? formatInterval({ ...i, mean: i.mean * 100, halfWidth: i.halfWidth * 100 }, 2)
    : "n/a";

export function summaryTable(rows: readonly SummaryRow[]): string {
  const header =
    "| policy | kind | p50 ms | p99 ms | p99.9 ms | errors % | throughput rps | extra load % | CPU balance (CV) |\n|---|---|---|---|---|---|---|---|---|";
  const lines = rows.map(
    (r) =>
      `| ${r.contender} | ${r.kind} | ${ms(r.p50Ms)} | ${ms(r.p99Ms)} | ${ms(r.p999Ms)} | ${pct(r.errorRatio)} | ${formatInterval(r.throughputRps, 0)} | ${pct(r.extraLoad)} | ${formatInterval(r.utilizationCv, 3)} |`,
  );
  return [header, ...lines].join("\n");
}
