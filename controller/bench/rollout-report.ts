/**
 * The rollout benchmark's figures: per scenario and contender, what happened over the seeds, and
 * the targets against the Flagger-style baseline with Flagger's default threshold.
 */
import type { RolloutOutcome } from "../rollout/rollout-run.js";
import { formatInterval, type Interval, meanInterval } from "./stats.js";

export interface RolloutRow {
  readonly scenario: string;
  readonly contender: string;
  readonly expect: "promote" | "abort";
  readonly runs: number;
  readonly promoted: number;
  readonly aborted: number;
  readonly other: number;
  /** Seconds from start to all traffic on the new version, over the runs that got there. */
  readonly fullS: Interval;
  /** Percent-minutes of canary traffic before abort or full promotion, over every run. */
  readonly exposure: Interval;
}

export function summarizeRollouts(outcomes: readonly RolloutOutcome[]): RolloutRow[] {
  const keys = [...new Set(outcomes.map((o) => `${o.scenario}\u0000${o.contender}`))];
  return keys.map((key) => {
    const [scenario, contender] = key.split("\u0000");
    const runs = outcomes.filter((o) => o.scenario === scenario && o.contender === contender);
    const promoted = runs.filter((o) => o.phase === "Promoted").length;
    const aborted = runs.filter((o) => o.phase === "Aborted").length;
    return {
      scenario,
      contender,
      expect: runs[0].expect,
      runs: runs.length,
      promoted,
      aborted,
      other: runs.length - promoted - aborted,
      fullS: meanInterval(runs.flatMap((o) => (o.fullAtS === undefined ? [] : [o.fullAtS]))),
      exposure: meanInterval(runs.map((o) => o.exposurePercentMinutes)),
    };
  });
}

export function rolloutTable(rows: readonly RolloutRow[]): string {
  return [
    "| scenario | should | contender | promoted | aborted | other | time to 100% (s) | exposure (%·min) |",
    "|---|---|---|---|---|---|---|---|",
    ...rows.map(
      (r) =>
        `| ${r.scenario} | ${r.expect} | ${r.contender} | ${r.promoted}/${r.runs} | ${r.aborted}/${r.runs} | ${r.other}/${r.runs} | ${formatInterval(r.fullS, 0)} | ${formatInterval(r.exposure, 1)} |`,
    ),
  ].join("\n");
}

export interface RolloutTarget {
  readonly name: string;
  readonly figure: string;
  readonly met: boolean;
}

/** The baseline the targets are judged against: Flagger's default analysis (threshold 1). */
export const TARGET_BASELINE = "flagger-threshold-1";
const MESHPILOT = "meshpilot";

export function rolloutTargets(
  rows: readonly RolloutRow[],
  outcomes: readonly RolloutOutcome[],
): RolloutTarget[] {
  const row = (scenario: string, contender: string) =>
    rows.find((r) => r.scenario === scenario && r.contender === contender);
  const scenarios = [...new Set(rows.map((r) => r.scenario))];
  const targets: RolloutTarget[] = [];
  for (const s of scenarios) {
    const ours = row(s, MESHPILOT);
    const base = row(s, TARGET_BASELINE);
    if (!ours || !base) continue;
    if (ours.expect === "promote") {
      const ratio = ours.fullS.mean / base.fullS.mean;
      targets.push({
        name: `${s}: time to full promotion at most 0.5× ${TARGET_BASELINE}'s`,
        figure: `${formatInterval(ours.fullS, 0)} s vs ${formatInterval(base.fullS, 0)} s (${Number.isFinite(ratio) ? ratio.toFixed(2) : "n/a"}×)`,
        met: Number.isFinite(ratio) && ratio <= 0.5,
      });
    } else {
      targets.push({
        name: `${s}: exposure before abort at most ${TARGET_BASELINE}'s`,
        figure: `${formatInterval(ours.exposure, 1)} vs ${formatInterval(base.exposure, 1)} percent-minutes`,
        met: ours.exposure.mean <= base.exposure.mean,
      });
    }
  }
  const ourRuns = outcomes.filter((o) => o.contender === MESHPILOT);
  const badPromoted = ourRuns.filter((o) => o.expect === "abort" && o.phase === "Promoted").length;
  const goodAborted = ourRuns.filter((o) => o.expect === "promote" && o.phase === "Aborted").length;
  targets.push({
    name: "every scenario: no bad canary promoted, no good canary aborted (Meshpilot, every seed)",
    figure: `${badPromoted} bad promoted, ${goodAborted} good aborted, in ${ourRuns.length} runs`,
    met: badPromoted === 0 && goodAborted === 0,
  });
  return targets;
}
