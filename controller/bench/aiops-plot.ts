/** The live run over time: the fault windows, and for each method the services it flagged at each step. */
import { CATEGORY_SCHEME, type TopLevelSpec, withLook } from "../../common/plot.js";
import { type LiveRun, METHODS } from "./aiops-live.js";

export function aiopsPlot(run: LiveRun): TopLevelSpec {
  const faults = run.schedule.map((f) => ({
    from: f.startMs / 60_000,
    to: f.endMs / 60_000,
    label: `${f.id}: ${f.kind} in ${f.service}`,
  }));
  const flagged = run.flagged.map((x) => ({ t: x.tMs / 60_000, method: x.method, service: x.service }));
  return withLook({
    title: "Faults (grey) and what each method flagged, by service",
    width: 900,
    height: 200,
    layer: [
      {
        data: { values: faults },
        mark: { type: "rect", color: "#dddddd" },
        encoding: {
          x: { field: "from", type: "quantitative", title: "minutes since the load started" },
          x2: { field: "to" },
        },
      },
      {
        data: { values: faults },
        mark: { type: "text", align: "left", baseline: "top", dx: 2, dy: 2, fontSize: 9, angle: 0 },
        encoding: { x: { field: "from", type: "quantitative" }, y: { value: 0 }, text: { field: "label" } },
      },
      {
        data: { values: flagged },
        mark: { type: "tick", thickness: 2 },
        encoding: {
          x: { field: "t", type: "quantitative" },
          y: { field: "method", type: "nominal", sort: [...METHODS], title: null },
          color: {
            field: "service",
            type: "nominal",
            scale: { scheme: CATEGORY_SCHEME },
            title: "flagged service",
          },
        },
      },
    ],
  });
}
