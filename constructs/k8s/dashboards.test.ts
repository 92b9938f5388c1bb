import { synthGitOpsTree } from "../../charts/gitops-tree.js";
import { ENVIRONMENTS } from "../../config/environments.js";
import { overviewDashboard, SERVICE_VARIABLE, serviceDashboard } from "./dashboards.js";

type Panel = {
  type: string;
  title: string;
  options?: { legend?: { showLegend?: boolean } };
  targets?: { expr: string }[];
};
type Dashboard = { uid: string; panels: Panel[]; templating?: { list: { name: string; query?: unknown }[] } };
const dashboards = [overviewDashboard(), serviceDashboard()] as Dashboard[];

describe("dashboards", () => {
  it("show a legend on every time series panel", () => {
    for (const d of dashboards)
      for (const p of d.panels.filter((x) => x.type === "timeseries"))
        expect([d.uid, p.title, p.options?.legend?.showLegend]).toEqual([d.uid, p.title, true]);
  });

  it("are one templated per-service dashboard, not a copy per service", () => {
    const service = dashboards[1];
    expect(service.templating?.list.map((v) => v.name)).toEqual([SERVICE_VARIABLE]);
    for (const p of service.panels)
      for (const t of p.targets ?? [])
        expect(t.expr).toContain(`destination_service_name="$${SERVICE_VARIABLE}"`);
    const configMaps = synthGitOpsTree(ENVIRONMENTS[0]).observability.filter(
      (m) => m.kind === "ConfigMap" && m.metadata.name.startsWith("dashboard-"),
    );
    expect(configMaps.map((m) => m.metadata.name).sort()).toEqual([
      "dashboard-meshpilot-overview",
      "dashboard-meshpilot-service",
    ]);
  });

  it("compute the error budget over the SLO's 30 days, not a shorter window", () => {
    for (const d of dashboards) {
      const budget = d.panels.find((p) => /Error budget left/.test(p.title));
      expect(budget?.title).toContain("30d");
      expect(budget?.targets?.[0].expr).toContain("ratio_rate30d");
    }
  });
});
