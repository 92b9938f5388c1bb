import { renderSvg } from "../../common/plot.js";
import { overviewDashboard, SERVICE_VARIABLE, serviceDashboard } from "../../constructs/k8s/dashboards.js";
import {
  type DashboardJson,
  interpolate,
  legendName,
  type QuerySource,
  renderDashboard,
  type Series,
  unitFormat,
  wrap,
} from "./dashboard-render.js";

/** Answers from a fixed table instead of Prometheus, and records what it was asked. */
function recordedSource(answer: (expr: string) => Series[]) {
  const asked: { expr: string; stepS?: number; kind: string }[] = [];
  const source: QuerySource = {
    async range(expr, stepS) {
      asked.push({ expr, stepS, kind: "range" });
      return answer(expr);
    },
    async instant(expr) {
      asked.push({ expr, kind: "instant" });
      return answer(expr).map((s) => ({ ...s, values: s.values.slice(-1) }));
    },
  };
  return { source, asked };
}

const range = { startS: 1_000, endS: 1_120 };
const series = (metric: Record<string, string>, ...values: number[]): Series => ({
  metric,
  values: values.map((v, i) => [range.startS + i * 60, v] as const),
});

describe("drawing a Grafana dashboard from its own queries", () => {
  it("names series as Grafana's legendFormat does", () => {
    const metric = { destination_service_name: "cart", destination_version: "v1" };
    expect(legendName("{{destination_service_name}} {{destination_version}}", metric)).toBe("cart v1");
    expect(legendName("{{ destination_service_name }} {{intent}}", metric)).toBe("cart");
    expect(legendName(undefined, metric)).toBe('{destination_service_name="cart", destination_version="v1"}');
    expect(legendName(undefined, {})).toBe("value");
  });

  it("interpolates $var and ${var}, and leaves unknown variables alone", () => {
    expect(interpolate('x{s="$service"} ${service} $other', { service: "cart" })).toBe(
      'x{s="cart"} cart $other',
    );
  });

  it("formats units as Grafana names them", () => {
    expect(unitFormat("percentunit").format).toBe(".1%");
    expect(unitFormat("reqps").suffix).toBe("req/s");
    expect(unitFormat(undefined)).toEqual({ format: ".3~g", suffix: "" });
  });

  it("wraps a long note into short lines", () => {
    expect(wrap("aaa bbb ccc ddd", 7)).toEqual(["aaa bbb", "ccc ddd"]);
  });

  it("runs every panel's queries with the variables filled in, and the annotations at their own step", async () => {
    const { source, asked } = recordedSource((expr) =>
      expr.includes("objective") ? [] : [series({ destination_service_name: "cart" }, 0.01, 0.02, 0.03)],
    );
    const spec = await renderDashboard(
      serviceDashboard() as DashboardJson,
      source,
      { [SERVICE_VARIABLE]: "cart" },
      range,
    );
    expect(asked.every((q) => !q.expr.includes("$service"))).toBe(true);
    expect(
      asked.filter((q) => q.kind === "range" && q.expr.includes('destination_service_name="cart"')).length,
    ).toBe(8);
    expect(asked.filter((q) => q.kind === "instant")).toHaveLength(1);
    const annotation = asked.find((q) => q.expr.includes("meshpilot_optimizer_decisions_total"));
    expect(annotation?.stepS).toBe(60);
    const svg = await renderSvg(spec);
    for (const title of [
      "Requests per second by version",
      "Error ratio against budget",
      "Latency",
      "Error budget left (30d SLO)",
    ])
      expect(svg).toContain(title);
    // The annotation query answered, so every time series carries its marks.
    expect(svg).toContain("mark-rule");
  });

  it("says No data where a query returns nothing, as Grafana does", async () => {
    const { source } = recordedSource((expr) =>
      expr.startsWith("service:") ? [series({ destination_service_name: "cart" }, 1, 2)] : [],
    );
    const svg = await renderSvg(
      await renderDashboard(overviewDashboard() as DashboardJson, source, {}, range),
    );
    expect(svg).toContain("No data");
    expect(svg).toContain("Requests per second");
  });

  it("refuses a panel type it cannot draw, naming the panel", async () => {
    const { source } = recordedSource(() => []);
    const board: DashboardJson = {
      title: "t",
      uid: "u",
      panels: [{ type: "heatmap", title: "Heat", gridPos: { x: 0, y: 0, w: 24, h: 8 } }],
    };
    await expect(renderDashboard(board, source, {}, range)).rejects.toThrow("panel 'Heat' has type heatmap");
  });
});
