/**
 * Grafana dashboards for the shop, built with the Grafana Foundation SDK.
 *
 * Queries read the recording rules, so dashboards and alerts agree on what "p99" means, and each
 * service's objectives come from series (`objectiveRules`), so one templated dashboard serves every
 * service. Both dashboards mark the optimizer's routing decisions on every time axis.
 */
import {
  LegendDisplayMode,
  LegendPlacement,
  VizLegendOptionsBuilder,
} from "@grafana/grafana-foundation-sdk/common";
import {
  AnnotationQueryBuilder,
  DashboardBuilder,
  QueryVariableBuilder,
  RowBuilder,
  VariableRefresh,
  VariableSort,
} from "@grafana/grafana-foundation-sdk/dashboard";
import { DataqueryBuilder } from "@grafana/grafana-foundation-sdk/prometheus";
import { PanelBuilder as StatPanel } from "@grafana/grafana-foundation-sdk/stat";
import { PanelBuilder as TimeseriesPanel } from "@grafana/grafana-foundation-sdk/timeseries";
import {
  BUDGET_WINDOW,
  errorRatioRecord,
  latencyRecord,
  objectiveRecord,
  rateRecord,
  versionRateRecord,
} from "./slo-rules.js";

const PROMETHEUS = { type: "prometheus", uid: "prometheus" };
const SERVICE = "destination_service_name";

function query(expr: string, legend: string): DataqueryBuilder {
  return new DataqueryBuilder().expr(expr).legendFormat(legend).datasource(PROMETHEUS);
}

/** A legend under every time series, as a table with mean, max and last: no line goes unnamed. */
function legend(): VizLegendOptionsBuilder {
  return new VizLegendOptionsBuilder()
    .showLegend(true)
    .displayMode(LegendDisplayMode.Table)
    .placement(LegendPlacement.Bottom)
    .calcs(["mean", "max", "lastNotNull"]);
}

function timeseries(title: string, unit: string, queries: DataqueryBuilder[]): TimeseriesPanel {
  const panel = new TimeseriesPanel()
    .title(title)
    .unit(unit)
    .datasource(PROMETHEUS)
    .height(9)
    .span(12)
    .legend(legend());
  for (const q of queries) panel.withTarget(q);
  return panel;
}

/**
 * The optimizer's routing changes, rollbacks and restores, as annotations: a latency step lines up
 * with the decision that caused or answered it.
 */
function decisionAnnotations(): AnnotationQueryBuilder {
  return new AnnotationQueryBuilder()
    .name("Optimizer decisions")
    .datasource(PROMETHEUS)
    .enable(true)
    .iconColor("purple")
    .expr(
      'sum by (kind) (increase(meshpilot_optimizer_decisions_total{kind=~"change|rollback|restore"}[1m])) > 0',
    )
    .step("60s")
    .titleFormat("optimizer: {{kind}}")
    .textFormat("{{kind}} decisions in the last minute")
    .tagKeys("kind");
}

/** Error budget left over the SLO's 30 days, per service: 1 − (30-day error ratio ÷ objective). */
function budgetLeft(match = ""): string {
  return `1 - (${errorRatioRecord(BUDGET_WINDOW)}${match} / on (${SERVICE}) ${objectiveRecord.errorRate}${match})`;
}

/** A stat panel of {@link budgetLeft}, for the services `match` selects (every one when empty). */
function budgetStat(span: number, match: string, legendFormat: string): StatPanel {
  return new StatPanel()
    .title(`Error budget left (${BUDGET_WINDOW} SLO)`)
    .unit("percentunit")
    .datasource(PROMETHEUS)
    .height(5)
    .span(span)
    .withTarget(query(budgetLeft(match), legendFormat));
}

function board(title: string, uid: string): DashboardBuilder {
  return new DashboardBuilder(title)
    .uid(uid)
    .tags(["meshpilot", "shop"])
    .refresh("30s")
    .time({ from: "now-3h", to: "now" })
    .timezone("utc")
    .readonly()
    .annotation(decisionAnnotations());
}

/** Golden signals for every service on one page, plus the optimizer's row. */
export function overviewDashboard(): object {
  const d = board("Meshpilot / Shop overview", "meshpilot-overview");
  d.withRow(new RowBuilder("Golden signals"));
  d.withPanel(
    timeseries("Requests per second", "reqps", [
      query(`sum by (${SERVICE}) (${rateRecord})`, `{{${SERVICE}}}`),
    ]),
  );
  d.withPanel(
    timeseries("Error ratio (5m)", "percentunit", [query(errorRatioRecord("5m"), `{{${SERVICE}}}`)]),
  );
  d.withPanel(timeseries("p99 latency", "ms", [query(latencyRecord("p99"), `{{${SERVICE}}}`)]));
  d.withPanel(timeseries("p50 latency", "ms", [query(latencyRecord("p50"), `{{${SERVICE}}}`)]));
  d.withPanel(budgetStat(24, "", `{{${SERVICE}}}`));
  // The optimizer's own series (controller/telemetry/metrics.ts): what it decided, why, and how fast.
  d.withRow(new RowBuilder("Optimizer decisions"));
  d.withPanel(
    timeseries("Traffic share by version", "reqps", [
      query(versionRateRecord, `{{${SERVICE}}} {{destination_version}}`),
    ]),
  );
  d.withPanel(
    timeseries("Weight in force by intent and subset", "percent", [
      query(
        "max by (namespace, intent, subset) (meshpilot_optimizer_weight_percent)",
        "{{intent}} {{subset}}",
      ),
    ]),
  );
  d.withPanel(
    timeseries("Decisions by kind", "ops", [
      query("sum by (kind) (rate(meshpilot_optimizer_decisions_total[5m]))", "{{kind}}"),
    ]),
  );
  d.withPanel(
    timeseries("Reward and its terms", "none", [
      query('max by (intent, term) (meshpilot_optimizer_reward{term="total"})', "{{intent}} total"),
      query('max by (intent, term) (meshpilot_optimizer_reward{term!="total"})', "{{intent}} {{term}}"),
    ]),
  );
  d.withPanel(
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
  d.withPanel(
    new StatPanel()
      .title("Optimizer leaders (must be 1)")
      .datasource(PROMETHEUS)
      .height(4)
      .span(6)
      .withTarget(query("sum(meshpilot_optimizer_leader)", "leaders")),
  );
  d.withPanel(
    new StatPanel()
      .title("Failed routing writes (1h)")
      .datasource(PROMETHEUS)
      .height(4)
      .span(6)
      // No failed write yet means no such series: read it as 0, not "No data".
      .withTarget(
        query('sum(increase(meshpilot_optimizer_writes_total{outcome!="ok"}[1h])) or vector(0)', "failed"),
      ),
  );
  return d.build();
}

/** The name of the per-service dashboard's variable. */
export const SERVICE_VARIABLE = "service";

/** One service, chosen with the `service` variable: traffic by version, errors against budget, latency against objective. */
export function serviceDashboard(): object {
  const match = `{${SERVICE}="$${SERVICE_VARIABLE}"}`;
  const d = board("Meshpilot / Service", "meshpilot-service").withVariable(
    new QueryVariableBuilder(SERVICE_VARIABLE)
      .label("Service")
      .datasource(PROMETHEUS)
      .query(`label_values(${objectiveRecord.errorRate}, ${SERVICE})`)
      .definition(`label_values(${objectiveRecord.errorRate}, ${SERVICE})`)
      .refresh(VariableRefresh.OnDashboardLoad)
      .sort(VariableSort.AlphabeticalAsc),
  );
  d.withPanel(
    timeseries("Requests per second by version", "reqps", [
      query(`${versionRateRecord}${match}`, "{{destination_version}}"),
    ]),
  );
  d.withPanel(
    timeseries("Error ratio against budget", "percentunit", [
      query(`${errorRatioRecord("5m")}${match}`, "5m"),
      query(`${errorRatioRecord("1h")}${match}`, "1h"),
      query(`${objectiveRecord.errorRate}${match}`, "budget"),
    ]),
  );
  d.withPanel(
    timeseries("Latency", "ms", [
      query(`${latencyRecord("p50")}${match}`, "p50"),
      query(`${latencyRecord("p95")}${match}`, "p95"),
      query(`${latencyRecord("p99")}${match}`, "p99"),
      query(`${objectiveRecord.p99LatencyMs}${match}`, "p99 objective"),
    ]),
  );
  d.withPanel(budgetStat(12, match, "$service"));
  return d.build();
}
