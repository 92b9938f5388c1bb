/**
 * Grafana dashboards for the shop, built with the Grafana Foundation SDK.
 *
 * Queries read the recording rules, so dashboards and alerts agree on what "p99" means.
 */
import { DashboardBuilder, RowBuilder } from "@grafana/grafana-foundation-sdk/dashboard";
import { DataqueryBuilder } from "@grafana/grafana-foundation-sdk/prometheus";
import { PanelBuilder as StatPanel } from "@grafana/grafana-foundation-sdk/stat";
import { PanelBuilder as TimeseriesPanel } from "@grafana/grafana-foundation-sdk/timeseries";
import type { ShopService } from "../../config/shop.js";
import { errorRatioRecord, latencyRecord, rateRecord, versionRateRecord } from "./slo-rules.js";

const PROMETHEUS = { type: "prometheus", uid: "prometheus" };

function query(expr: string, legend: string): DataqueryBuilder {
  return new DataqueryBuilder().expr(expr).legendFormat(legend).datasource(PROMETHEUS);
}

function timeseries(title: string, unit: string, queries: DataqueryBuilder[]): TimeseriesPanel {
  const panel = new TimeseriesPanel().title(title).unit(unit).datasource(PROMETHEUS).height(8).span(12);
  for (const q of queries) panel.withTarget(q);
  return panel;
}

/** Golden signals for every service on one page, plus the optimizer's row. */
export function overviewDashboard(services: readonly ShopService[]): object {
  const board = new DashboardBuilder("Meshpilot / Shop overview")
    .uid("meshpilot-overview")
    .tags(["meshpilot", "shop"])
    .refresh("30s")
    .time({ from: "now-3h", to: "now" })
    .timezone("utc")
    .readonly();
  board.withRow(new RowBuilder("Golden signals"));
  board.withPanel(
    timeseries("Requests per second", "reqps", [
      query(`sum by (destination_service_name) (${rateRecord})`, "{{destination_service_name}}"),
    ]),
  );
  board.withPanel(
    timeseries("Error ratio (5m)", "percentunit", [
      query(errorRatioRecord("5m"), "{{destination_service_name}}"),
    ]),
  );
  board.withPanel(
    timeseries("p99 latency", "ms", [query(latencyRecord("p99"), "{{destination_service_name}}")]),
  );
  board.withPanel(
    timeseries("p50 latency", "ms", [query(latencyRecord("p50"), "{{destination_service_name}}")]),
  );
  for (const s of services) {
    board.withPanel(
      new StatPanel()
        .title(`${s.name} error budget left (30d SLO ${(s.slo.errorRate * 100).toFixed(2)}%)`)
        .unit("percentunit")
        .datasource(PROMETHEUS)
        .height(4)
        .span(6)
        .withTarget(
          query(
            `1 - (${errorRatioRecord("3d")}{destination_service_name="${s.name}"} / ${s.slo.errorRate})`,
            s.name,
          ),
        ),
    );
  }
  // The optimizer's own series (controller/telemetry/metrics.ts): what it decided, why, and how fast.
  board.withRow(new RowBuilder("Optimizer decisions"));
  board.withPanel(
    timeseries("Traffic share by version", "reqps", [
      query(versionRateRecord, "{{destination_service_name}} {{destination_version}}"),
    ]),
  );
  board.withPanel(
    timeseries("Weight in force by intent and subset", "percent", [
      query(
        "max by (namespace, intent, subset) (meshpilot_optimizer_weight_percent)",
        "{{intent}} {{subset}}",
      ),
    ]),
  );
  board.withPanel(
    timeseries("Decisions by kind", "ops", [
      query("sum by (kind) (rate(meshpilot_optimizer_decisions_total[5m]))", "{{kind}}"),
    ]),
  );
  board.withPanel(
    timeseries("Reward and its terms", "none", [
      query('max by (intent, term) (meshpilot_optimizer_reward{term="total"})', "{{intent}} total"),
      query('max by (intent, term) (meshpilot_optimizer_reward{term!="total"})', "{{intent}} {{term}}"),
    ]),
  );
  board.withPanel(
    timeseries("Control loop and query latency (p99)", "s", [
      query(
        "histogram_quantile(0.99, sum by (le) (rate(meshpilot_optimizer_loop_duration_seconds_bucket[5m])))",
        "loop",
      ),
      query(
        "histogram_quantile(0.99, sum by (le, query) (rate(meshpilot_optimizer_query_duration_seconds_bucket[5m])))",
        "query {{query}}",
      ),
    ]),
  );
  board.withPanel(
    new StatPanel()
      .title("Optimizer leaders (must be 1)")
      .datasource(PROMETHEUS)
      .height(4)
      .span(6)
      .withTarget(query("sum(meshpilot_optimizer_leader)", "leaders")),
  );
  board.withPanel(
    new StatPanel()
      .title("Failed routing writes (1h)")
      .datasource(PROMETHEUS)
      .height(4)
      .span(6)
      .withTarget(query('sum(increase(meshpilot_optimizer_writes_total{outcome!="ok"}[1h]))', "failed")),
  );
  return board.build();
}

/** One service: traffic by version, errors against budget, latency against objective. */
export function serviceDashboard(service: ShopService): object {
  const match = `{destination_service_name="${service.name}"}`;
  const board = new DashboardBuilder(`Meshpilot / ${service.name}`)
    .uid(`meshpilot-${service.name}`)
    .tags(["meshpilot", "shop", service.name])
    .refresh("30s")
    .time({ from: "now-3h", to: "now" })
    .timezone("utc")
    .readonly();
  board.withPanel(
    timeseries("Requests per second by version", "reqps", [
      query(`${versionRateRecord}${match}`, "{{destination_version}}"),
    ]),
  );
  board.withPanel(
    timeseries("Error ratio against budget", "percentunit", [
      query(`${errorRatioRecord("5m")}${match}`, "5m"),
      query(`${errorRatioRecord("1h")}${match}`, "1h"),
      query(`vector(${service.slo.errorRate})`, "budget"),
    ]),
  );
  board.withPanel(
    timeseries("Latency", "ms", [
      query(`${latencyRecord("p50")}${match}`, "p50"),
      query(`${latencyRecord("p95")}${match}`, "p95"),
      query(`${latencyRecord("p99")}${match}`, "p99"),
      query(`vector(${service.slo.p99LatencyMs})`, "p99 objective"),
    ]),
  );
  return board.build();
}
