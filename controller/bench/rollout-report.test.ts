import type { RolloutOutcome } from "../rollout/rollout-run.js";
import { rolloutTable, rolloutTargets, summarizeRollouts } from "./rollout-report.js";

const outcome = (
  scenario: string,
  contender: string,
  seed: number,
  phase: string,
  expect: "promote" | "abort",
  figures: { fullAtS?: number; exposure: number },
): RolloutOutcome => ({
  scenario,
  contender,
  seed,
  phase,
  expect,
  correct: expect === "promote" ? phase === "Promoted" : phase === "Aborted",
  fullAtS: figures.fullAtS,
  exposurePercentMinutes: figures.exposure,
  timeline: [],
});

const outcomes = [
  outcome("good", "meshpilot", 1, "Promoted", "promote", { fullAtS: 120, exposure: 60 }),
  outcome("good", "meshpilot", 2, "Promoted", "promote", { fullAtS: 180, exposure: 110 }),
  outcome("good", "flagger-threshold-1", 1, "Promoted", "promote", { fullAtS: 360, exposure: 200 }),
  outcome("good", "flagger-threshold-1", 2, "Promoted", "promote", { fullAtS: 360, exposure: 200 }),
  outcome("bad", "meshpilot", 1, "Aborted", "abort", { exposure: 12 }),
  outcome("bad", "meshpilot", 2, "Promoted", "abort", { fullAtS: 200, exposure: 120 }),
  outcome("bad", "flagger-threshold-1", 1, "Aborted", "abort", { exposure: 10 }),
  outcome("bad", "flagger-threshold-1", 2, "Aborted", "abort", { exposure: 10 }),
];

describe("the rollout report", () => {
  const rows = summarizeRollouts(outcomes);

  it("counts outcomes and averages times over the runs that reached 100%", () => {
    const good = rows.find((r) => r.scenario === "good" && r.contender === "meshpilot");
    expect(good).toMatchObject({ promoted: 2, aborted: 0, runs: 2 });
    expect(good?.fullS.mean).toBe(150);
    expect(rolloutTable(rows)).toContain("| good | promote | meshpilot | 2/2 | 0/2 | 0/2 |");
  });

  it("judges each target against Flagger's default, and reports a miss with its figure", () => {
    const targets = rolloutTargets(rows, outcomes);
    expect(targets.find((t) => t.name.startsWith("good:"))).toMatchObject({ met: true });
    expect(targets.find((t) => t.name.startsWith("good:"))?.figure).toContain("(0.42×)");
    expect(targets.find((t) => t.name.startsWith("bad:"))).toMatchObject({ met: false });
    expect(targets.at(-1)).toMatchObject({ met: false, figure: "1 bad promoted, 0 good aborted, in 4 runs" });
  });
});
