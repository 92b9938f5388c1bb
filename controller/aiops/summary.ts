/**
 * The incident summary, written offline from what the layer knows: what happened, where and since
 * when; the evidence (signals, log templates, recent changes); the suspected cause; what was done
 * or is proposed. No hosted model writes it. An operator who wants prose from a model of their own
 * choosing plugs in a Summarizer; none is configured by default, and its failure never holds the
 * plain summary back.
 */
import type { ServiceVerdict } from "./detector.js";
import type { Incident } from "./incidents.js";
import type { TemplateChange } from "./log-templates.js";
import type { RankedChange } from "./root-cause.js";

export interface IncidentSummary {
  readonly id: number;
  readonly title: string;
  readonly startedAt: string;
  readonly services: readonly string[];
  readonly suspect?: string;
  /** One line per piece of evidence, most telling first. */
  readonly evidence: readonly string[];
  readonly actions: readonly string[];
  /** The whole summary as plain text: an Event's message, a status field, a chat message. */
  readonly text: string;
}

export interface SummaryInput {
  readonly incident: Incident;
  readonly verdicts: ReadonlyMap<string, ServiceVerdict>;
  readonly templates?: Readonly<Record<string, readonly TemplateChange[]>>;
  readonly changes?: readonly RankedChange[];
  /** What was done or is proposed, one line each. */
  readonly actions?: readonly string[];
  /** How a time reads. @default ISO 8601 */
  readonly clock?: (ms: number) => string;
}

/** Ranked suspects as the reader sees them. */
function suspectLine(incident: Incident): string | undefined {
  const s = incident.settledSuspects ?? incident.suspects;
  if (s.length === 0) return undefined;
  return `Suspected cause: ${s[0].service} (${s[0].reasons.join("; ")})${
    s.length > 1
      ? `; then ${s
          .slice(1, 3)
          .map((x) => x.service)
          .join(", ")}`
      : ""
  }.`;
}

/** How the incident ended, if it has: recovered, or merged into an older one that goes on. */
function ending(incident: Incident, clock: (ms: number) => string): string {
  if (incident.closedAtMs === undefined) return "";
  return incident.mergedInto !== undefined
    ? `, merged into incident ${incident.mergedInto} at ${clock(incident.closedAtMs)}`
    : `, recovered at ${clock(incident.closedAtMs)}`;
}

const round = (v: number) =>
  Math.abs(v) >= 10 ? v.toFixed(0) : Math.abs(v) >= 0.1 ? v.toFixed(2) : v.toPrecision(2);

export function summarize(input: SummaryInput): IncidentSummary {
  const { incident } = input;
  const suspects = incident.settledSuspects ?? incident.suspects;
  const suspect = suspects[0]?.service;
  const clock = input.clock ?? ((ms: number) => new Date(ms).toISOString());
  const startedAt = clock(incident.openedAtMs);
  const evidence: string[] = [];
  for (const service of incident.services) {
    const v = input.verdicts.get(service);
    for (const e of v?.evidence.slice(0, 2) ?? [])
      evidence.push(
        `${service} ${e.signal} ${round(e.value)} against a usual ${round(e.expected)} (${e.score.toFixed(1)} robust deviations)`,
      );
    if (v?.reconstruction && v.reconstruction.error > v.reconstruction.threshold)
      evidence.push(
        `${service} signals no longer move together: reconstruction error ${v.reconstruction.error.toFixed(2)} over ${v.reconstruction.threshold.toFixed(2)} (model v${v.reconstruction.version})`,
      );
  }
  for (const [service, changes] of Object.entries(input.templates ?? {}))
    for (const t of changes.slice(0, 2))
      evidence.push(
        `${service} logs: ${t.kind === "new" ? "new" : "surging"} "${t.template}" ×${t.inWindow}${t.kind === "surging" ? ` (expected ${t.expected})` : ""}`,
      );
  for (const c of (input.changes ?? []).slice(0, 3))
    evidence.push(
      `recent change: ${c.description} (${c.kind}, ${clock(c.atMs)})${c.undo ? `; undo: ${c.undo}` : ""}`,
    );
  const actions = input.actions ?? [];
  const title = `${suspect ?? incident.services[0]}: ${incident.services.length} service${incident.services.length > 1 ? "s" : ""} anomalous since ${startedAt}`;
  const text = [
    `Incident ${incident.id}: ${incident.services.join(", ")} anomalous since ${startedAt}${ending(incident, clock)}.`,
    suspectLine(incident) ?? "No suspect yet.",
    ...(evidence.length > 0 ? ["Evidence:", ...evidence.map((e) => `- ${e}`)] : []),
    actions.length > 0 ? `Done or proposed: ${actions.join("; ")}.` : "Nothing done or proposed.",
  ].join("\n");
  return { id: incident.id, title, startedAt, services: incident.services, suspect, evidence, actions, text };
}

/** A model endpoint of the operator's choosing that rewrites the summary; none by default. */
export interface Summarizer {
  readonly name: string;
  summarize(summary: IncidentSummary): Promise<string>;
}

/** The plain summary, or the summarizer's text with the plain one kept when it fails. */
export async function withSummarizer(
  summary: IncidentSummary,
  summarizer: Summarizer | undefined,
): Promise<{ text: string; by: string; error?: string }> {
  if (summarizer === undefined) return { text: summary.text, by: "meshpilot" };
  try {
    return { text: await summarizer.summarize(summary), by: summarizer.name };
  } catch (e) {
    return {
      text: summary.text,
      by: "meshpilot",
      error: `${summarizer.name} failed: ${(e as Error).message}`,
    };
  }
}

/**
 * The summary as a webhook body: Alertmanager's webhook format (version 4), which Alertmanager
 * receivers and the tools built on it accept, with a `text` field as chat incoming-webhooks want.
 */
export function webhookPayload(
  summary: IncidentSummary,
  status: "firing" | "resolved",
  endsAt?: string,
): Record<string, unknown> {
  const labels = {
    alertname: "MeshpilotIncident",
    incident: String(summary.id),
    service: summary.suspect ?? summary.services[0],
    severity: "page",
  };
  return {
    version: "4",
    groupKey: `{}:{incident="${summary.id}"}`,
    truncatedAlerts: 0,
    status,
    receiver: "meshpilot-aiops",
    groupLabels: { incident: String(summary.id) },
    commonLabels: labels,
    commonAnnotations: { summary: summary.title, description: summary.text },
    externalURL: "",
    alerts: [
      {
        status,
        labels,
        annotations: { summary: summary.title, description: summary.text },
        startsAt: summary.startedAt,
        endsAt: endsAt ?? "0001-01-01T00:00:00Z",
        generatorURL: "",
        fingerprint: `meshpilot-incident-${summary.id}`,
      },
    ],
    text: `${summary.title}\n${summary.text}`,
  };
}
