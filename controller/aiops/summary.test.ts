import type { ServiceVerdict } from "./detector.js";
import type { Incident } from "./incidents.js";
import { summarize, webhookPayload, withSummarizer } from "./summary.js";

const INCIDENT: Incident = {
  id: 7,
  openedAtMs: Date.parse("2026-12-02T10:00:00Z"),
  services: ["payments", "checkout"],
  suspects: [],
  settledSuspects: [
    { service: "payments", score: 3, reasons: ["no affected callee", "explains checkout"] },
    { service: "checkout", score: 1, reasons: ["explained by affected callee payments"] },
  ],
  settledFirsts: ["payments"],
  peakSeverity: 4,
};

const VERDICTS = new Map<string, ServiceVerdict>([
  [
    "payments",
    {
      service: "payments",
      state: "anomalous",
      severity: 4,
      symptomSeverity: 4,
      evidence: [{ signal: "errorRatio", value: 0.21, expected: 0, score: 21 }],
      reconstruction: { error: 9.5, threshold: 0.8, version: 2 },
    },
  ],
]);

describe("incident summary", () => {
  it("says what, where, since when, the evidence, the suspect and what was done", () => {
    const s = summarize({
      incident: INCIDENT,
      verdicts: VERDICTS,
      templates: {
        checkout: [
          { template: "upstream failed payments <*>", inWindow: 40, expected: 1.5, kind: "surging" },
        ],
      },
      changes: [
        {
          atMs: Date.parse("2026-12-02T09:55:00Z"),
          service: "payments",
          kind: "version",
          description: "payments v2 took 20%",
          undo: "git revert abc123",
          score: 0.7,
        },
      ],
      actions: ["proposed: move payments' traffic back to v1"],
    });
    expect(s.title).toBe("payments: 2 services anomalous since 2026-12-02T10:00:00.000Z");
    expect(s.suspect).toBe("payments");
    expect(s.text.split("\n")).toEqual([
      "Incident 7: payments, checkout anomalous since 2026-12-02T10:00:00.000Z.",
      "Suspected cause: payments (no affected callee; explains checkout); then checkout.",
      "Evidence:",
      "- payments errorRatio 0.21 against a usual 0.0 (21.0 robust deviations)",
      "- payments signals no longer move together: reconstruction error 9.50 over 0.80 (model v2)",
      '- checkout logs: surging "upstream failed payments <*>" ×40 (expected 1.5)',
      "- recent change: payments v2 took 20% (version, 2026-12-02T09:55:00.000Z); undo: git revert abc123",
      "Done or proposed: proposed: move payments' traffic back to v1.",
    ]);
  });

  it("keeps the plain summary when the operator's summarizer fails, and uses none by default", async () => {
    const s = summarize({ incident: INCIDENT, verdicts: VERDICTS });
    expect(await withSummarizer(s, undefined)).toEqual({ text: s.text, by: "meshpilot" });
    const failing = { name: "my-model", summarize: async () => Promise.reject(new Error("503")) };
    expect(await withSummarizer(s, failing)).toEqual({
      text: s.text,
      by: "meshpilot",
      error: "my-model failed: 503",
    });
    const working = { name: "my-model", summarize: async () => "short prose" };
    expect(await withSummarizer(s, working)).toEqual({ text: "short prose", by: "my-model" });
  });

  it("delivers Alertmanager's webhook body (version 4) with a chat text", () => {
    const body = webhookPayload(summarize({ incident: INCIDENT, verdicts: VERDICTS }), "firing");
    expect(body).toMatchObject({
      version: "4",
      status: "firing",
      commonLabels: { alertname: "MeshpilotIncident", service: "payments", incident: "7" },
    });
    const alert = (body.alerts as Record<string, unknown>[])[0];
    expect(Object.keys(alert).sort()).toEqual(
      ["annotations", "endsAt", "fingerprint", "generatorURL", "labels", "startsAt", "status"].sort(),
    );
    expect(String(body.text)).toContain("Suspected cause: payments");
  });
});
