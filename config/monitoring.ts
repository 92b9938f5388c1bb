/**
 * How an environment watches itself: how many Prometheus replicas scrape it, and where alerts go.
 *
 * Alert rules speak two severities, the ones kube-prometheus-stack's own rules and inhibit rules use:
 * `critical` wakes someone (a page), `warning` waits for working hours (a ticket). Every rule we write
 * uses one of these; the routing sends each to its receiver.
 */
export const SEVERITY = { page: "critical", ticket: "warning" } as const;
export type Severity = (typeof SEVERITY)[keyof typeof SEVERITY];

/**
 * A key in a Kubernetes Secret in the observability namespace, created out of band like
 * `grafana-admin`. Alertmanager mounts it and reads the credential from the file, so it never
 * appears in Git or in the Alertmanager object.
 */
export interface SecretKeyRef {
  readonly name: string;
  readonly key: string;
}

/** Where one severity's alerts go. */
export type AlertReceiver =
  /** PagerDuty Events API v2; the Secret holds the integration's routing key. */
  | { readonly type: "pagerduty"; readonly routingKey: SecretKeyRef }
  /** A Slack channel; the Secret holds the incoming-webhook URL. */
  | { readonly type: "slack"; readonly channel: string; readonly webhookUrl: SecretKeyRef }
  /** Any HTTPS endpoint that takes Alertmanager's webhook payload (an on-call tool, a bridge). */
  | { readonly type: "webhook"; readonly url: string };

export interface AlertReceivers {
  /** `severity: critical` alerts: someone is paged. */
  readonly critical: AlertReceiver;
  /** `severity: warning` alerts, and any alert no route matches: a ticket or a channel. */
  readonly warning: AlertReceiver;
}

export interface MonitoringConfig {
  /**
   * Prometheus replicas; each scrapes every target, so one can restart without a gap. Production needs 2.
   * @default 1
   */
  readonly prometheusReplicas?: number;
  /**
   * Where alerts go. Production must name both; without receivers every alert is dropped
   * (fine for a throwaway dev cluster, which gets a warning).
   * @default none: alerts are evaluated and shown in Alertmanager, but sent nowhere
   */
  readonly alertReceivers?: AlertReceivers;
}
