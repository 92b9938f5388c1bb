/**
 * Prometheus recording and alerting rules for the shop's SLOs, from Istio's standard metrics.
 *
 * Alerts follow the multi-window, multi-burn-rate scheme of the Google SRE Workbook
 * ("Alerting on SLOs", table 5-8): a fast burn pages within minutes, a slow burn opens a ticket
 * later, and a short window must agree with each long one so an alert stops soon after recovery.
 */
import { SEVERITY } from "../../config/monitoring.js";
import { CHECKOUTS_AWAITING_RECOVERY_METRIC, type ShopService } from "../../config/shop.js";

export interface RecordingRule {
  readonly record: string;
  readonly expr: string;
  readonly labels?: Record<string, string>;
}
export interface AlertingRule {
  readonly alert: string;
  readonly expr: string;
  readonly for: string;
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
}
export interface RuleGroup {
  readonly name: string;
  readonly interval: string;
  readonly rules: (RecordingRule | AlertingRule)[];
}

/** Error-ratio windows every burn-rate alert reads. */
export const ERROR_WINDOWS = ["5m", "30m", "1h", "2h", "6h", "1d", "3d"] as const;

/** Burn-rate tiers: [long window, short window, burn rate, severity]; a month's budget is the reference. */
export const BURN_RATE_TIERS = [
  { long: "1h", short: "5m", rate: 14.4, severity: SEVERITY.page },
  { long: "6h", short: "30m", rate: 6, severity: SEVERITY.page },
  { long: "1d", short: "2h", rate: 3, severity: SEVERITY.ticket },
  { long: "3d", short: "6h", rate: 1, severity: SEVERITY.ticket },
] as const;

const SERVICE_LABEL = "destination_service_name";

/** The series selector for requests a namespace's services received. */
function selector(namespace: string, extra = ""): string {
  return `{reporter="destination",destination_workload_namespace="${namespace}"${extra}}`;
}

export const rateRecord = "service:istio_requests:rate5m";
export const versionRateRecord = "service_version:istio_requests:rate5m";
export const errorRatioRecord = (window: string) => `service:istio_requests_errors:ratio_rate${window}`;
export const latencyRecord = (quantile: "p50" | "p95" | "p99") =>
  `service:istio_request_duration_milliseconds:${quantile}_5m`;

/** Each service's objectives as series, so one templated dashboard can draw any service's lines. */
export const objectiveRecord = {
  errorRate: "service:slo_error_rate:objective",
  p99LatencyMs: "service:slo_p99_latency_ms:objective",
} as const;

/** The SLO's own window: the error budget is a month's. */
export const BUDGET_WINDOW = "30d";

/**
 * Slow rules, evaluated every 5 minutes: the objectives as series, and the error ratio over the
 * SLO's 30-day window (too long a range to evaluate every 30 s).
 */
export function objectiveRules(namespace: string, services: readonly ShopService[]): RuleGroup {
  const rules: RecordingRule[] = [
    {
      record: errorRatioRecord(BUDGET_WINDOW),
      expr: errorRatioExpr(namespace, "increase", BUDGET_WINDOW),
    },
    ...services.flatMap((s) => [
      {
        record: objectiveRecord.errorRate,
        expr: `vector(${num(s.slo.errorRate)})`,
        labels: { [SERVICE_LABEL]: s.name },
      },
      {
        record: objectiveRecord.p99LatencyMs,
        expr: `vector(${num(s.slo.p99LatencyMs)})`,
        labels: { [SERVICE_LABEL]: s.name },
      },
    ]),
  ];
  return { name: "meshpilot-shop-objectives", interval: "5m", rules };
}

/** Per-service (and per-version) rate, error ratio and latency quantiles. */
export function recordingRules(namespace: string): RuleGroup {
  const rules: RecordingRule[] = [
    {
      record: rateRecord,
      expr: `sum by (${SERVICE_LABEL}) (rate(istio_requests_total${selector(namespace)}[5m]))`,
    },
    {
      record: versionRateRecord,
      expr: `sum by (${SERVICE_LABEL}, destination_version) (rate(istio_requests_total${selector(namespace)}[5m]))`,
    },
    ...ERROR_WINDOWS.map((w) => ({
      record: errorRatioRecord(w),
      expr: errorRatioExpr(namespace, "rate", w),
    })),
    ...(
      [
        ["p50", 0.5],
        ["p95", 0.95],
        ["p99", 0.99],
      ] as const
    ).map(([name, q]) => ({
      record: latencyRecord(name),
      expr: `histogram_quantile(${q}, sum by (${SERVICE_LABEL}, le) (rate(istio_request_duration_milliseconds_bucket${selector(namespace)}[5m])))`,
    })),
  ];
  return { name: "meshpilot-shop-recording", interval: "30s", rules };
}

/**
 * 5xx over all requests. A service that has answered no 5xx in the window has no 5xx series at
 * all, so the numerator falls back to zero times its traffic: its ratio reads 0, not absent, and
 * the dashboards show every service, not only the failing ones.
 */
function errorRatioExpr(namespace: string, fn: "rate" | "increase", window: string): string {
  const total = `sum by (${SERVICE_LABEL}) (${fn}(istio_requests_total${selector(namespace)}[${window}]))`;
  const errors = `sum by (${SERVICE_LABEL}) (${fn}(istio_requests_total${selector(namespace, ',response_code=~"5.."')}[${window}]))`;
  return `(${errors}\n  or 0 * ${total})\n/\n${total}`;
}

/** Formats a number for PromQL without float noise (0.0144, not 0.014400000000000001). */
function num(n: number): string {
  return String(Number(n.toPrecision(6)));
}

/** Burn-rate alerts on the error budget and a latency-objective alert, per service. */
export function sloAlertRules(services: readonly ShopService[]): RuleGroup {
  const rules: AlertingRule[] = [];
  for (const s of services) {
    const match = `{${SERVICE_LABEL}="${s.name}"}`;
    const budget = s.slo.errorRate;
    for (const severity of [SEVERITY.page, SEVERITY.ticket]) {
      const tiers = BURN_RATE_TIERS.filter((t) => t.severity === severity);
      const expr = tiers
        .map(
          (t) =>
            `(${errorRatioRecord(t.long)}${match} > ${num(t.rate * budget)} and ${errorRatioRecord(t.short)}${match} > ${num(t.rate * budget)})`,
        )
        .join("\nor\n");
      rules.push({
        alert: severity === SEVERITY.page ? "ShopErrorBudgetFastBurn" : "ShopErrorBudgetSlowBurn",
        expr,
        for: severity === SEVERITY.page ? "2m" : "15m",
        labels: { severity, service: s.name, slo: "error-rate" },
        annotations: {
          summary: `${s.name} is burning its error budget ${severity === SEVERITY.page ? "fast" : "slowly"}`,
          description: `${s.name} errors exceed ${num(tiers[tiers.length - 1].rate)}x its ${num(budget * 100)}% budget over both windows of a burn-rate tier.`,
        },
      });
    }
    rules.push({
      alert: "ShopLatencyObjectiveBreached",
      expr: `${latencyRecord("p99")}${match} > ${s.slo.p99LatencyMs}`,
      for: "10m",
      labels: { severity: SEVERITY.ticket, service: s.name, slo: "latency" },
      annotations: {
        summary: `${s.name} p99 latency is above ${s.slo.p99LatencyMs} ms`,
        description: `${s.name} p99 latency has stayed above its ${s.slo.p99LatencyMs} ms objective for 10 minutes.`,
      },
    });
  }
  return { name: "meshpilot-shop-slo", interval: "30s", rules };
}

/**
 * Money in limbo: checkouts whose driver died and that the recovery worker has not finished. A pass
 * normally settles them within seconds; a quarter of an hour means a callee (orders, payments) is
 * still away, and customers may hold a charge without an order until it returns.
 */
export function checkoutRecoveryRules(): RuleGroup {
  return {
    name: "meshpilot-shop-checkout",
    interval: "30s",
    rules: [
      {
        alert: "ShopCheckoutsAwaitingRecovery",
        expr: `max by (namespace) (${CHECKOUTS_AWAITING_RECOVERY_METRIC}) > 0`,
        for: "15m",
        labels: { severity: SEVERITY.ticket, service: "checkout" },
        annotations: {
          summary: "Checkouts have been waiting for recovery for 15 minutes",
          description:
            "{{ $value }} unfinished checkouts have no driver; the recovery worker keeps retrying them. Check that orders and payments answer (docs/checkout-saga.md).",
        },
      },
    ],
  };
}
