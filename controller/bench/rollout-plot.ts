/** The canary's weight over time, seed 1: one row per scenario, one line per contender. */
import { CATEGORY_SCHEME, type TopLevelSpec, withLook } from "../../common/plot.js";
import type { RolloutOutcome } from "../rollout/rollout-run.js";

export function rolloutPlot(outcomes: readonly RolloutOutcome[], scenarios: readonly string[]): TopLevelSpec {
  const values = outcomes
    .filter((o) => o.seed === 1)
    .flatMap((o) =>
      o.timeline.map(([t, weight]) => ({ scenario: o.scenario, contender: o.contender, t, weight })),
    );
  return withLook({
    title: "Canary weight over time, seed 1 (from the rollout's first canary traffic)",
    data: { values },
    facet: { row: { field: "scenario", type: "nominal", sort: [...scenarios], title: null } },
    spec: {
      width: 640,
      height: 120,
      mark: { type: "line", interpolate: "step-after", strokeWidth: 2 },
      encoding: {
        x: { field: "t", type: "quantitative", title: "seconds since the rollout started" },
        y: { field: "weight", type: "quantitative", title: "canary weight (%)", scale: { domain: [0, 100] } },
        color: { field: "contender", type: "nominal", scale: { scheme: CATEGORY_SCHEME }, title: null },
        // Lines that coincide stay visible: each contender has its own dash.
        strokeDash: { field: "contender", type: "nominal", title: null },
      },
    },
  });
}
