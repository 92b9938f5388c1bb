import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Yaml } from "cdk8s";
import { synthGitOpsTree } from "../../charts/gitops-tree.js";
import { ENVIRONMENTS, type EnvironmentConfig } from "../../config/environments.js";
import { SHOP_SERVICES, type ShopService } from "../../config/shop.js";
import { amtool, promtool } from "../../test/tools.js";
import { alertmanagerConfig, RECEIVER_NAMES, receiverSecrets } from "./alert-routing.js";
import type { Manifest } from "./schemas.js";
import { sloAlertRules } from "./slo-rules.js";

const prod = ENVIRONMENTS.find((e) => e.tier === "production") as EnvironmentConfig;
const cart = SHOP_SERVICES.find((s) => s.name === "cart") as ShopService;

/** The kube-prometheus-stack Application's Helm values, as synthesized for an environment. */
function stackValues(env: EnvironmentConfig): Record<string, any> {
  const app = synthGitOpsTree(env).observability.find(
    (m) => m.kind === "Application" && m.metadata.name === "kube-prometheus-stack",
  ) as Manifest & { spec: { source: { helm: { valuesObject: Record<string, any> } } } };
  return app.spec.source.helm.valuesObject;
}

describe("alert routing, checked by the real amtool and promtool", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "meshpilot-alerts-"));
    writeFileSync(join(dir, "prod.yml"), Yaml.stringify(stackValues(prod).alertmanager.config));
    writeFileSync(join(dir, "none.yml"), Yaml.stringify(alertmanagerConfig(undefined)));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** The receiver amtool's routing tree picks for a label set. */
  const route = (file: string, labels: Record<string, string>) =>
    amtool(
      [
        "config",
        "routes",
        "test",
        `--config.file=${file}`,
        ...Object.entries(labels).map(([k, v]) => `${k}=${v}`),
      ],
      dir,
    )
      .split("\n")
      .filter((l) => l.trim() !== "" && !l.startsWith("Warning"))
      .join(",");

  it("prod's synthesized config passes amtool check-config, with both receivers and their inhibit rules", () => {
    expect(amtool(["check-config", "prod.yml"], dir)).toMatch(
      /SUCCESS[\s\S]*4 inhibit rules[\s\S]*3 receivers/,
    );
  });

  it("the SLO alerts' own labels, as promtool fires them, route a fast burn to the pager and a slow burn to a ticket", () => {
    const rules = sloAlertRules([cart]);
    const synthesized = synthGitOpsTree(prod).observability.find(
      (m) => m.kind === "PrometheusRule",
    ) as Manifest;
    writeFileSync(join(dir, "rules.yaml"), Yaml.stringify(synthesized.spec));
    const labels = `reporter="destination",destination_workload_namespace="shop",destination_service_name="cart"`;
    // 10% errors for two hours: both tiers burn; the fast one pages after 2 min, the slow one after 15.
    const fired = {
      fast: { severity: "critical", service: "cart", slo: "error-rate", destination_service_name: "cart" },
      slow: { severity: "warning", service: "cart", slo: "error-rate", destination_service_name: "cart" },
    };
    const annotations = (name: string) =>
      (rules.rules.find((r) => "alert" in r && r.alert === name) as { annotations: object }).annotations;
    const tests = {
      rule_files: ["rules.yaml"],
      evaluation_interval: "30s",
      tests: [
        {
          interval: "1m",
          input_series: [
            { series: `istio_requests_total{${labels},response_code="200"}`, values: "0+900x240" },
            { series: `istio_requests_total{${labels},response_code="503"}`, values: "0+100x240" },
          ],
          alert_rule_test: [
            {
              eval_time: "3h",
              alertname: "ShopErrorBudgetFastBurn",
              exp_alerts: [
                { exp_labels: fired.fast, exp_annotations: annotations("ShopErrorBudgetFastBurn") },
              ],
            },
            {
              eval_time: "3h",
              alertname: "ShopErrorBudgetSlowBurn",
              exp_alerts: [
                { exp_labels: fired.slow, exp_annotations: annotations("ShopErrorBudgetSlowBurn") },
              ],
            },
          ],
        },
      ],
    };
    writeFileSync(join(dir, "tests.yaml"), Yaml.stringify(tests));
    expect(promtool(["test", "rules", "tests.yaml"], dir)).toContain("SUCCESS");
    expect(route("prod.yml", { alertname: "ShopErrorBudgetFastBurn", ...fired.fast })).toBe(
      RECEIVER_NAMES.critical,
    );
    expect(route("prod.yml", { alertname: "ShopErrorBudgetSlowBurn", ...fired.slow })).toBe(
      RECEIVER_NAMES.warning,
    );
  });

  it.each([
    [{ alertname: "KubePodCrashLooping", severity: "warning" }, RECEIVER_NAMES.warning],
    [{ alertname: "KubeNodeNotReady", severity: "critical" }, RECEIVER_NAMES.critical],
    [{ alertname: "Watchdog", severity: "none" }, RECEIVER_NAMES.none],
    [{ alertname: "CPUThrottlingHigh", severity: "info" }, RECEIVER_NAMES.none],
    // A typo'd or missing severity still reaches a person.
    [{ alertname: "Custom", severity: "crit" }, RECEIVER_NAMES.warning],
    [{ alertname: "Custom" }, RECEIVER_NAMES.warning],
  ])("routes %j to %s", (labels, receiver) => {
    expect(route("prod.yml", labels)).toBe(receiver);
  });

  it("without receivers, every alert goes to null", () => {
    expect(amtool(["check-config", "none.yml"], dir)).toContain("SUCCESS");
    expect(route("none.yml", { severity: "critical" })).toBe(RECEIVER_NAMES.none);
    expect(route("none.yml", { severity: "warning" })).toBe(RECEIVER_NAMES.none);
  });

  it("reads credentials from mounted Secrets, never from Git", () => {
    const values = stackValues(prod);
    expect(values.alertmanager.alertmanagerSpec.secrets).toEqual([
      "alertmanager-pagerduty",
      "alertmanager-slack",
    ]);
    const text = JSON.stringify(values.alertmanager.config);
    expect(text).toContain("/etc/alertmanager/secrets/alertmanager-pagerduty/routing-key");
    expect(text).not.toMatch(/hooks\.slack\.com|routing_key"/);
    expect(
      receiverSecrets({
        critical: { type: "webhook", url: "https://x" },
        warning: { type: "webhook", url: "https://y" },
      }),
    ).toEqual([]);
  });

  it("runs two Prometheus and two Alertmanager replicas in prod, and switches off what EKS cannot expose", () => {
    const values = stackValues(prod);
    expect(values.prometheus.prometheusSpec.replicas).toBe(2);
    expect(values.alertmanager.alertmanagerSpec.replicas).toBe(2);
    for (const target of ["kubeControllerManager", "kubeScheduler", "kubeEtcd"])
      expect(values[target]).toEqual({ enabled: false });
  });

  it("refuses a prod with one Prometheus or no receivers at synth, naming the field", () => {
    expect(() =>
      synthGitOpsTree({ ...prod, monitoring: { ...prod.monitoring, prometheusReplicas: 1 } }),
    ).toThrow("'monitoring.prometheusReplicas' is 1 but production needs 2");
    expect(() => synthGitOpsTree({ ...prod, monitoring: { prometheusReplicas: 2 } })).toThrow(
      "'monitoring.alertReceivers' is not set but production alerts must reach someone",
    );
  });
});
