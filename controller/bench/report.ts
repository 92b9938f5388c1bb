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

/** The four scenarios the Q-learning targets count over. */
export const CORE_SCENARIOS = ["steady-heterogeneous", "brownout", "error-burst", "flash-sale-1000"];

/** How the whole run went, for the speed targets. */
export interface RunFigures {
  /** Simulated requests per second of wall time (round robin, one core). */
  readonly speed?: number;
  readonly wallS: number;
  /** Whether this was the default matrix (every default scenario, contender and 5 seeds). */
  readonly defaultMatrix: boolean;
}

/** The targets, evaluated on the summary. */
export function evaluateTargets(
  rows: readonly SummaryRow[],
  qCurve: readonly number[],
  run?: RunFigures,
  heldOut: readonly SummaryRow[] = [],
): Target[] {
  const brownout = "brownout";
  const best = bestMeshpilot(rows, brownout);
  const b = (c: string) => row(rows, brownout, c);
  const p99 = (r: SummaryRow) => r.p99Ms.mean;
  const targets: Target[] = [
    ratioTarget(
      "Brownout: best Meshpilot p99 at most 0.7 of Istio's default",
      best,
      b("istio-default"),
      p99,
      0.7,
    ),
    ratioTarget("Brownout: best Meshpilot p99 no worse than peak-EWMA", best, b("peak-ewma"), p99, 1),
    ratioTarget("Brownout: best Meshpilot p99 no worse than Prequal", best, b("prequal"), p99, 1),
    ratioTarget("Brownout: best Meshpilot p99 within 1.25 of the oracle", best, b("oracle"), p99, 1.25),
    best
      ? {
          name: "Brownout: the best Meshpilot policy adds at most 5% load",
          figure: `${best.contender} extra load ${(best.extraLoad.mean * 100).toFixed(1)}%`,
          met: best.extraLoad.mean <= 0.05,
        }
      : {
          name: "Brownout: the best Meshpilot policy adds at most 5% load",
          figure: "not measured in this run",
          met: undefined,
        },
  ];
  for (const scenario of [...new Set(rows.map((r) => r.scenario))])
    targets.push(safetyTarget(rows, scenario));
  targets.push(qLearningWinsTarget(rows));
  targets.push(learningCurveTarget(qCurve));
  targets.push(heldOutTarget(rows, heldOut));
  if (run) targets.push(...speedTargets(run));
  return targets;
}

/** Safety: every Meshpilot policy within 5% of Istio's default on p99, 0.1 pp on errors, 5% extra load. */
export function safetyTarget(rows: readonly SummaryRow[], scenario: string): Target {
  const name = `Safety on ${scenario}: every Meshpilot policy has p99 at most 1.05x Istio's default, errors at most 0.1 pp above it, extra load at most 5%`;
  const base = row(rows, scenario, "istio-default");
  const ours = rows.filter((r) => r.scenario === scenario && r.kind === "meshpilot");
  if (!base || ours.length === 0) return { name, figure: "not measured in this run", met: undefined };
  const failures = ours.flatMap((r) => {
    const why: string[] = [];
    if (r.p99Ms.mean > 1.05 * base.p99Ms.mean)
      why.push(`p99 ${(r.p99Ms.mean / base.p99Ms.mean).toFixed(2)}x`);
    if (r.errorRatio.mean > base.errorRatio.mean + 0.001)
      why.push(`errors +${((r.errorRatio.mean - base.errorRatio.mean) * 100).toFixed(2)} pp`);
    if (r.extraLoad.mean > 0.05) why.push(`extra load ${(r.extraLoad.mean * 100).toFixed(1)}%`);
    return why.length > 0 ? [`${r.contender} ${why.join(", ")}`] : [];
  });
  return {
    name,
    figure: failures.length > 0 ? failures.join("; ") : `all ${ours.length} within bounds`,
    met: failures.length === 0,
  };
}

/** Q-learning at least 20% below Istio's default on p99 in at least 3 of the 4 core scenarios. */
export function qLearningWinsTarget(rows: readonly SummaryRow[]): Target {
  const name = "Q-learning: p99 at least 20% below Istio's default in at least 3 of the 4 core scenarios";
  const measured = CORE_SCENARIOS.filter((s) => row(rows, s, "q-learning") && row(rows, s, "istio-default"));
  const wins = measured.filter(
    (s) =>
      (row(rows, s, "q-learning") as SummaryRow).p99Ms.mean <=
      0.8 * (row(rows, s, "istio-default") as SummaryRow).p99Ms.mean,
  );
  const ratios = measured.map(
    (s) =>
      `${s} ${((row(rows, s, "q-learning") as SummaryRow).p99Ms.mean / (row(rows, s, "istio-default") as SummaryRow).p99Ms.mean).toFixed(2)}`,
  );
  return {
    name,
    figure:
      measured.length > 0
        ? `${wins.length} of ${measured.length} (ratios ${ratios.join(", ")})`
        : "not measured in this run",
    met: measured.length === CORE_SCENARIOS.length ? wins.length >= 3 : undefined,
  };
}

/**
 * The shipped Q-table on scenarios it never trained on (it trains on a randomized curriculum, so
 * every bundled scenario), no worse than Istio's default on p99 and errors.
 */
export function heldOutTarget(rows: readonly SummaryRow[], heldOut: readonly SummaryRow[]): Target {
  const name = "Q-learning's shipped table on scenarios it never trained on: no worse than Istio's default";
  const judged = heldOut.flatMap((h) => {
    const base = row(rows, h.scenario, "istio-default");
    return base ? [{ h, base }] : [];
  });
  if (judged.length === 0) return { name, figure: "not measured in this run", met: undefined };
  const figure = judged
    .map(
      ({ h, base }) =>
        `${h.scenario} p99 ${(h.p99Ms.mean / base.p99Ms.mean).toFixed(2)}x, errors ${(h.errorRatio.mean * 100).toFixed(2)}% against ${(base.errorRatio.mean * 100).toFixed(2)}%`,
    )
    .join("; ");
  const met = judged.every(
    ({ h, base }) => h.p99Ms.mean <= base.p99Ms.mean && h.errorRatio.mean <= base.errorRatio.mean,
  );
  return { name, figure, met };
}

function speedTargets(run: RunFigures): Target[] {
  return [
    {
      name: "Speed: the default matrix in under 5 minutes on the 2-core machine",
      figure: `${run.wallS.toFixed(0)} s${run.defaultMatrix ? "" : " (not the default matrix)"}`,
      met: run.defaultMatrix ? run.wallS < 300 : undefined,
    },
    {
      name: "Speed: the simulator at 1M requests per second or more",
      figure: run.speed
        ? `${Math.round(run.speed).toLocaleString("en-US")} requests/s (round robin, one core)`
        : "not measured in this run",
      met: run.speed ? run.speed >= 1_000_000 : undefined,
    },
  ];
}

/**
 * The learning curve learns: the last quarter of training episodes earns more reward than the
 * first, by more than the last quarter's own spread (so the gain is not noise).
 */
export function learningCurveTarget(curve: readonly number[]): Target {
  const name = "Q-learning: the last quarter's mean reward beats the first quarter's by more than its spread";
  if (curve.length < 8) return { name, figure: "not measured in this run", met: undefined };
  const q = Math.floor(curve.length / 4);
  const first = meanInterval(curve.slice(0, q));
  const last = meanInterval(curve.slice(-q));
  const spread = Math.max(...curve.slice(-q)) - Math.min(...curve.slice(-q));
  return {
    name,
    figure: `mean reward first quarter ${first.mean.toFixed(2)}, last quarter ${last.mean.toFixed(2)}, last-quarter spread ${spread.toFixed(2)}`,
    met: last.mean - first.mean > spread,
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
