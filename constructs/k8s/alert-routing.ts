import { type AlertReceiver, type AlertReceivers, SEVERITY, type Severity } from "../../config/monitoring.js";

/** Where the Prometheus operator mounts each Secret listed in `alertmanagerSpec.secrets`. */
const SECRETS_DIR = "/etc/alertmanager/secrets";

/** Receivers' names in the Alertmanager config, by severity; `null` takes what must go nowhere. */
export const RECEIVER_NAMES: Readonly<Record<Severity | "none", string>> = {
  critical: "page",
  warning: "ticket",
  none: "null",
};

const quote = (value: string) => JSON.stringify(value);

/** One receiver's integration block, with credentials read from mounted Secret files. */
function integration(receiver: AlertReceiver): Record<string, unknown> {
  switch (receiver.type) {
    case "pagerduty":
      return {
        pagerduty_configs: [
          {
            routing_key_file: `${SECRETS_DIR}/${receiver.routingKey.name}/${receiver.routingKey.key}`,
            send_resolved: true,
          },
        ],
      };
    case "slack":
      return {
        slack_configs: [
          {
            api_url_file: `${SECRETS_DIR}/${receiver.webhookUrl.name}/${receiver.webhookUrl.key}`,
            channel: receiver.channel,
            send_resolved: true,
          },
        ],
      };
    case "webhook":
      return { webhook_configs: [{ url: receiver.url, send_resolved: true }] };
  }
}

/** The Secrets the receivers read, for `alertmanagerSpec.secrets`, sorted and without repeats. */
export function receiverSecrets(receivers: AlertReceivers | undefined): string[] {
  const names = Object.values(receivers ?? {}).flatMap((r: AlertReceiver) =>
    r.type === "pagerduty" ? [r.routingKey.name] : r.type === "slack" ? [r.webhookUrl.name] : [],
  );
  return [...new Set(names)].sort();
}

/**
 * Alertmanager's whole configuration (alertmanager.yml): route by severity, drop the stack's
 * heartbeat and info alerts, and let a page silence the matching ticket.
 *
 * It replaces kube-prometheus-stack's default config, so its inhibit rules are restated here with the
 * same severities the chart's rules and ours use. Without receivers, everything goes to `null`.
 */
export function alertmanagerConfig(receivers: AlertReceivers | undefined): Record<string, unknown> {
  const critical = SEVERITY.page;
  const warning = SEVERITY.ticket;
  const routed = receivers !== undefined;
  const sendTo = (severity: Severity) => (routed ? RECEIVER_NAMES[severity] : RECEIVER_NAMES.none);
  const matches = (label: string, value: string) => `${label} = ${quote(value)}`;
  return {
    route: {
      // Anything no route claims is at least a ticket: an alert with a typo'd severity still reaches someone.
      receiver: sendTo(warning),
      group_by: ["alertname", "namespace", "service"],
      group_wait: "30s",
      group_interval: "5m",
      repeat_interval: "4h",
      routes: [
        // kube-prometheus-stack's always-firing heartbeat, and the helper that carries info alerts.
        { matchers: [matches("alertname", "Watchdog")], receiver: RECEIVER_NAMES.none },
        { matchers: [matches("alertname", "InfoInhibitor")], receiver: RECEIVER_NAMES.none },
        { matchers: [matches("severity", critical)], receiver: sendTo(critical), repeat_interval: "1h" },
        { matchers: [matches("severity", warning)], receiver: sendTo(warning) },
        { matchers: [matches("severity", "info")], receiver: RECEIVER_NAMES.none },
      ],
    },
    receivers: [
      { name: RECEIVER_NAMES.none },
      ...(receivers
        ? [
            { name: RECEIVER_NAMES.critical, ...integration(receivers.critical) },
            { name: RECEIVER_NAMES.warning, ...integration(receivers.warning) },
          ]
        : []),
    ],
    inhibit_rules: [
      // The chart's defaults, restated: a critical alert silences the same alert's lesser severities.
      {
        source_matchers: [matches("severity", critical)],
        target_matchers: [`severity =~ "${warning}|info"`],
        equal: ["namespace", "alertname"],
      },
      {
        source_matchers: [matches("severity", warning)],
        target_matchers: [matches("severity", "info")],
        equal: ["namespace", "alertname"],
      },
      {
        source_matchers: [matches("alertname", "InfoInhibitor")],
        target_matchers: [matches("severity", "info")],
        equal: ["namespace"],
      },
      // Ours: a fast burn pages, so the same service's slow-burn ticket for the same objective is
      // noise. Both sides must carry `slo`: labels missing on both count as equal, and an unscoped
      // rule would let any critical alert silence every warning.
      {
        source_matchers: [matches("severity", critical), 'slo =~ ".+"'],
        target_matchers: [matches("severity", warning), 'slo =~ ".+"'],
        equal: ["service", "slo"],
      },
    ],
  };
}
