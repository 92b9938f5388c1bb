/** The optimizer row of the overview dashboard reads only series the optimizer exports, and every decision kind starts at zero. */
import { describe, expect, test } from "@jest/globals";
import { overviewDashboard, serviceDashboard } from "../../constructs/k8s/dashboards.js";
import { DECISION_KINDS, OptimizerMetrics } from "./metrics.js";

describe("optimizer metrics", () => {
  test("the dashboard's optimizer panels query series the optimizer exports", async () => {
    const metrics = new OptimizerMetrics();
    const exported = new Set((await metrics.registry.getMetricsAsJSON()).map((m) => m.name));
    const used = new Set(
      [...JSON.stringify(overviewDashboard()).matchAll(/meshpilot_optimizer_[a-z_]+/g)].map((m) =>
        m[0].replace(/_(bucket|sum|count)$/, ""),
      ),
    );
    expect([...used].sort()).toEqual([...exported].sort());
  });

  test("the decision annotations name kinds the optimizer counts", () => {
    for (const d of [overviewDashboard(), serviceDashboard()]) {
      const expr = (d as { annotations: { list: { expr?: string }[] } }).annotations.list.find((a) =>
        a.expr?.includes("meshpilot_optimizer_decisions_total"),
      )?.expr;
      const kinds = /kind=~"([^"]+)"/.exec(expr ?? "")?.[1].split("|") ?? [];
      expect(kinds.length).toBeGreaterThan(0);
      for (const k of kinds) expect(DECISION_KINDS).toContain(k);
    }
  });

  test("every decision kind is exported from the start, so rates exist before the first of each", async () => {
    const text = await new OptimizerMetrics().registry.getSingleMetricAsString(
      "meshpilot_optimizer_decisions_total",
    );
    for (const kind of DECISION_KINDS)
      expect(text).toContain(`meshpilot_optimizer_decisions_total{kind="${kind}"} 0`);
  });
});
