import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Yaml } from "cdk8s";
import { synthGitOpsTree } from "../../charts/gitops-tree.js";
import { ENVIRONMENTS } from "../../config/environments.js";
import { SHOP_SERVICES, type ShopService } from "../../config/shop.js";
import { promtool } from "../../test/tools.js";
import { serviceDashboard } from "./dashboards.js";
import type { Manifest } from "./schemas.js";
import {
  BUDGET_WINDOW,
  BURN_RATE_TIERS,
  ERROR_WINDOWS,
  errorRatioRecord,
  objectiveRecord,
  sloAlertRules,
} from "./slo-rules.js";

const tree = synthGitOpsTree(ENVIRONMENTS[0]);
const prometheusRule = tree.observability.find((m) => m.kind === "PrometheusRule") as Manifest;
const cart = SHOP_SERVICES.find((s) => s.name === "cart") as ShopService;

/** Counters for one service: `ok` and `errors` requests per minute, for `minutes`. */
function series(service: string, ok: number, errors: number, minutes: number) {
  const labels = `reporter="destination",destination_workload_namespace="shop",destination_service_name="${service}"`;
  return [
    { series: `istio_requests_total{${labels},response_code="200"}`, values: `0+${ok}x${minutes}` },
    { series: `istio_requests_total{${labels},response_code="503"}`, values: `0+${errors}x${minutes}` },
  ];
}

function alertFor(service: ShopService, name: "ShopErrorBudgetFastBurn" | "ShopErrorBudgetSlowBurn") {
  const rule = sloAlertRules([service]).rules.find((r) => "alert" in r && r.alert === name);
  if (!rule || !("alert" in rule)) throw new Error(`no ${name}`);
  return {
    exp_labels: { ...rule.labels, destination_service_name: service.name },
    exp_annotations: rule.annotations,
  };
}

describe("SLO rules, checked by the real promtool", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "meshpilot-rules-"));
    writeFileSync(join(dir, "rules.yaml"), Yaml.stringify(prometheusRule.spec));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("has recording rules for rate, error ratio per window and p50/p95/p99, and alerts per service", () => {
    const groups = (
      prometheusRule.spec as { groups: { name: string; rules: { record?: string; alert?: string }[] }[] }
    ).groups;
    const records = groups[0].rules.map((r) => r.record);
    expect(records).toEqual(
      expect.arrayContaining([
        "service:istio_requests:rate5m",
        ...ERROR_WINDOWS.map((w) => `service:istio_requests_errors:ratio_rate${w}`),
        "service:istio_request_duration_milliseconds:p50_5m",
        "service:istio_request_duration_milliseconds:p95_5m",
        "service:istio_request_duration_milliseconds:p99_5m",
      ]),
    );
    expect(groups[1].rules.filter((r) => r.alert)).toHaveLength(3 * SHOP_SERVICES.length);
  });

  it("derives thresholds from each service's budget: 14.4x, 6x, 3x and 1x", () => {
    const [fast] = sloAlertRules([cart]).rules as { expr: string }[];
    expect(BURN_RATE_TIERS.map((t) => t.rate)).toEqual([14.4, 6, 3, 1]);
    expect(fast.expr).toContain(
      'service:istio_requests_errors:ratio_rate1h{destination_service_name="cart"} > 0.0144',
    );
    expect(fast.expr).toContain(
      'service:istio_requests_errors:ratio_rate30m{destination_service_name="cart"} > 0.006',
    );
  });

  it("passes promtool check rules", () => {
    expect(promtool(["check", "rules", "rules.yaml"], dir)).toMatch(/SUCCESS: \d+ rules found/);
  });

  it("fires a fast burn within its window, a slow burn later, and never on a healthy service", () => {
    const fast = alertFor(cart, "ShopErrorBudgetFastBurn");
    const slow = alertFor(cart, "ShopErrorBudgetSlowBurn");
    const tests = {
      rule_files: ["rules.yaml"],
      evaluation_interval: "30s",
      tests: [
        {
          // 10% errors: 100 times the 0.1% budget.
          interval: "1m",
          input_series: series("cart", 900, 100, 120),
          alert_rule_test: [
            { eval_time: "1m", alertname: "ShopErrorBudgetFastBurn", exp_alerts: [] },
            { eval_time: "6m", alertname: "ShopErrorBudgetFastBurn", exp_alerts: [fast] },
          ],
        },
        {
          // 0.2% errors: twice the budget. Too slow to page; a ticket after its 15 minutes.
          interval: "1m",
          input_series: series("cart", 998, 2, 240),
          alert_rule_test: [
            { eval_time: "10m", alertname: "ShopErrorBudgetSlowBurn", exp_alerts: [] },
            { eval_time: "30m", alertname: "ShopErrorBudgetSlowBurn", exp_alerts: [slow] },
            { eval_time: "30m", alertname: "ShopErrorBudgetFastBurn", exp_alerts: [] },
            { eval_time: "4h", alertname: "ShopErrorBudgetFastBurn", exp_alerts: [] },
          ],
        },
        {
          // 0.05% errors: within budget.
          interval: "1m",
          input_series: series("cart", 9995, 5, 600),
          alert_rule_test: ["10m", "1h", "10h"].flatMap((t) => [
            { eval_time: t, alertname: "ShopErrorBudgetFastBurn", exp_alerts: [] },
            { eval_time: t, alertname: "ShopErrorBudgetSlowBurn", exp_alerts: [] },
            { eval_time: t, alertname: "ShopLatencyObjectiveBreached", exp_alerts: [] },
          ]),
        },
      ],
    };
    writeFileSync(join(dir, "tests.yaml"), Yaml.stringify(tests));
    expect(promtool(["test", "rules", "tests.yaml"], dir)).toContain("SUCCESS");
  });

  it("raises a ticket when checkouts wait for recovery for 15 minutes, and not for a passing blip", () => {
    const series = (values: string) => [
      { series: 'meshpilot_checkouts_awaiting_recovery{namespace="shop",pod="checkout-1"}', values },
    ];
    const labels = { severity: "warning", service: "checkout", namespace: "shop" };
    const tests = {
      rule_files: ["rules.yaml"],
      evaluation_interval: "30s",
      tests: [
        {
          interval: "1m",
          input_series: series("0 0 3x30"),
          alert_rule_test: [
            { eval_time: "10m", alertname: "ShopCheckoutsAwaitingRecovery", exp_alerts: [] },
            {
              eval_time: "20m",
              alertname: "ShopCheckoutsAwaitingRecovery",
              exp_alerts: [
                {
                  exp_labels: labels,
                  exp_annotations: {
                    summary: "Checkouts have been waiting for recovery for 15 minutes",
                    description:
                      "3 unfinished checkouts have no driver; the recovery worker keeps retrying them. Check that orders and payments answer (docs/checkout-saga.md).",
                  },
                },
              ],
            },
          ],
        },
        {
          // A crash the next pass settles: two minutes with one checkout waiting, then none.
          interval: "1m",
          input_series: series("0 1 1 0x30"),
          alert_rule_test: [{ eval_time: "30m", alertname: "ShopCheckoutsAwaitingRecovery", exp_alerts: [] }],
        },
      ],
    };
    writeFileSync(join(dir, "recovery-tests.yaml"), Yaml.stringify(tests));
    expect(promtool(["test", "rules", "recovery-tests.yaml"], dir)).toContain("SUCCESS");
  });

  it("reads a service that never failed as 0 errors and its whole budget left, not as absent", () => {
    const labels = `reporter="destination",destination_workload_namespace="shop",destination_service_name="cart"`;
    const tests = {
      rule_files: ["rules.yaml"],
      evaluation_interval: "5m",
      tests: [
        {
          interval: "1m",
          // Only 200s: the 5xx series does not exist at all, as on a healthy service.
          input_series: [
            { series: `istio_requests_total{${labels},response_code="200"}`, values: "0+600x120" },
          ],
          promql_expr_test: [
            {
              expr: errorRatioRecord("5m"),
              eval_time: "60m",
              exp_samples: [
                { labels: `${errorRatioRecord("5m")}{destination_service_name="cart"}`, value: 0 },
              ],
            },
            {
              expr: `1 - ${errorRatioRecord(BUDGET_WINDOW)} / on (destination_service_name) ${objectiveRecord.errorRate}`,
              eval_time: "60m",
              exp_samples: [{ labels: '{destination_service_name="cart"}', value: 1 }],
            },
          ],
        },
      ],
    };
    writeFileSync(join(dir, "healthy-tests.yaml"), Yaml.stringify(tests));
    expect(promtool(["test", "rules", "healthy-tests.yaml"], dir)).toContain("SUCCESS");
  });

  it("the service dashboard's 30-day budget reads 50% left at half the budget's error rate", () => {
    const stat = (
      serviceDashboard() as { panels: { type: string; targets: { expr: string }[] }[] }
    ).panels.find((p) => p.type === "stat");
    const expr = (stat?.targets[0].expr ?? "").replaceAll("$service", "cart");
    const budget = cart.slo.errorRate;
    // Two days of traffic at half the budget's error rate: half the budget is spent, half left.
    const total = 100_000;
    const errors = Math.round(total * budget * 0.5);
    const tests = {
      rule_files: ["rules.yaml"],
      evaluation_interval: "5m",
      tests: [
        {
          interval: "1h",
          input_series: series("cart", total - errors, errors, 48),
          promql_expr_test: [
            {
              expr,
              eval_time: "47h",
              exp_samples: [{ labels: '{destination_service_name="cart"}', value: 0.5 }],
            },
          ],
        },
      ],
    };
    writeFileSync(join(dir, "budget-tests.yaml"), Yaml.stringify(tests));
    expect(promtool(["test", "rules", "budget-tests.yaml"], dir)).toContain("SUCCESS");
  });
});
