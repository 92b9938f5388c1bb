import type { ResolvedAIOpsSpec } from "../../api/aiops/schema.js";
import { validateAIOpsPolicy } from "../../api/aiops/validate.js";
import type { ServiceVerdict } from "../aiops/detector.js";
import { InMemoryRemediation } from "../aiops/in-memory-remediation.js";
import type { Incident } from "../aiops/incidents.js";
import type { ServiceView } from "../aiops/remediation.js";
import type { AiopsAuditRecord } from "../telemetry/audit.js";
import { RemediationRunner, type RemediationStepInput } from "./aiops-remediation.js";

const MIN = 60_000;
const POLICY = { namespace: "shop", name: "shop" };

function spec(over: object = {}): ResolvedAIOpsSpec {
  const v = validateAIOpsPolicy({
    mode: "act",
    services: { checkout: { calls: ["payments"] }, payments: { horizontalPodAutoscaler: "payments-v1" } },
    ...over,
  });
  if (!v.valid) throw new Error("test spec invalid");
  return v.spec;
}

/** payments saturated with an HPA; four pods, one an outlier by telemetry. */
const PAYMENTS: ServiceView = {
  pods: ["a", "b", "c", "d"].map((p) => ({ name: `payments-v1-${p}`, version: "v1", ready: true })),
  hpa: { name: "payments-v1", minReplicas: 2, maxReplicas: 10, current: 4 },
  laneAvailable: false,
  saturated: true,
};

const verdict = (service: string, symptomSeverity: number): ServiceVerdict => ({
  service,
  state: symptomSeverity >= 1 ? "anomalous" : "healthy",
  severity: symptomSeverity,
  symptomSeverity,
  evidence: [],
});

const incident: Incident = {
  id: 7,
  openedAtMs: 0,
  services: ["checkout", "payments"],
  suspects: [],
  settledSuspects: [{ service: "payments", score: 1, reasons: ["no affected callee"] } as never],
  settledFirsts: ["payments"],
  peakSeverity: 5,
};

function harness(view: ServiceView = PAYMENTS, actuator = new InMemoryRemediation({ payments: view })) {
  const audit: AiopsAuditRecord[] = [];
  const events: string[] = [];
  const runner = new RemediationRunner(actuator, (r) => audit.push(r));
  const step = (over: Partial<RemediationStepInput>) =>
    runner.step({
      policy: POLICY,
      spec: spec(),
      verdicts: new Map([["payments", verdict("payments", 5)]]),
      openIncidents: [incident],
      pods: {},
      telemetryErrors: 0,
      nowMs: 100 * MIN,
      notify: async (reason, type, message) => {
        events.push(`${type} ${reason}: ${message}`);
      },
      ...over,
    });
  return { actuator, runner, audit, events, step };
}

describe("remediation, carried out", () => {
  it("in act mode raises the HPA's floor once, with an Event, an audit line and the incident's line", async () => {
    const h = harness();
    const out = await h.step({});
    expect(h.actuator.get("payments")?.hpa?.minReplicas).toBe(4);
    expect(h.events).toEqual([
      "Warning RemediationApplied: raise payments-v1 minReplicas from 2 to 4 (incident 7: payments at symptom severity 5.0; checked in 180 s)",
    ]);
    expect(h.audit).toEqual([
      expect.objectContaining({
        policy: "shop/shop",
        mode: "act",
        incident: 7,
        event: "applied",
        action: "scale-out",
        target: "payments-v1",
        at: new Date(100 * MIN).toISOString(),
      }),
    ]);
    expect(out.lines.get(7)).toEqual(["done: raise payments-v1 minReplicas from 2 to 4"]);
    // The next step is within the cooldown: nothing more is done, and the refusal says why.
    const again = await h.step({ nowMs: 101 * MIN });
    expect(h.actuator.log.filter((l) => l.op === "apply")).toHaveLength(1);
    expect(again.proposals.get(7)?.[0].reason).toMatch(/^cooldown: payments was acted on 60 s ago/);
  });

  it("in observe mode proposes the same action and changes nothing", async () => {
    const h = harness();
    const out = await h.step({ spec: spec({ mode: "observe" }) });
    expect(h.actuator.log).toEqual([]);
    expect(h.audit).toEqual([]);
    expect(out.proposals.get(7)).toEqual([
      { action: "scale-out", detail: "raise payments-v1 minReplicas from 2 to 4", reason: "observe mode" },
    ]);
  });

  it("holds every action while a query fails, and while the suspect cannot be read", async () => {
    const h = harness();
    const failing = await h.step({ telemetryErrors: 1 });
    expect(failing.proposals.get(7)?.[0].reason).toBe("telemetry incomplete: every action holds");
    const unreadable = new Map([["payments", { ...verdict("payments", 0), state: "unreadable" as const }]]);
    await h.step({ verdicts: unreadable });
    expect(h.actuator.log).toEqual([]);
  });

  it("restarts the one pod telemetry singles out, leaving its peers", async () => {
    const view = { ...PAYMENTS, saturated: false };
    const h = harness(view);
    const pods = {
      payments: ["a", "b", "c", "d"].map((p) => ({
        pod: `payments-v1-${p}`,
        rps: 10,
        errorRatio: p === "c" ? 0.4 : 0.01,
      })),
    };
    // The in-memory actuator reports the view it holds; the runner's severities go to the real one.
    h.actuator.set("payments", {
      ...view,
      pods: view.pods.map((p) => ({ ...p, severity: p.name === "payments-v1-c" ? 7.8 : 0 })),
    });
    await h.step({ pods });
    expect(h.actuator.log.map((l) => [l.op, l.action?.kind, l.action?.target])).toEqual([
      ["apply", "restart-pod", "payments-v1-c"],
    ]);
  });

  it("keeps an action that helped, and undoes one that did not once its check is due", async () => {
    const helped = harness();
    await helped.step({});
    await helped.step({ nowMs: 103 * MIN, verdicts: new Map([["payments", verdict("payments", 0.4)]]) });
    expect(helped.audit.map((a) => a.event)).toEqual(["applied", "helped"]);
    expect(helped.actuator.get("payments")?.hpa?.minReplicas).toBe(4);

    const h = harness();
    await h.step({});
    await h.step({ nowMs: 103 * MIN, verdicts: new Map([["payments", verdict("payments", 4.9)]]) });
    expect(h.audit.map((a) => a.event)).toEqual(["applied", "undone"]);
    expect(h.audit[1].reason).toBe(
      "minReplicas back to 2: did not help: symptom severity 5.0 before, 4.9 180 s after",
    );
    expect(h.actuator.get("payments")?.hpa?.minReplicas).toBe(2);
    expect(h.runner.history(POLICY)[0].verdict).toBe("undone");
  });

  it("escalates a restart that did not help: it cannot be undone", async () => {
    const view = {
      ...PAYMENTS,
      saturated: false,
      pods: PAYMENTS.pods.map((p, i) => ({ ...p, severity: i === 0 ? 6 : 0 })),
    };
    const h = harness(view);
    await h.step({});
    await h.step({ nowMs: 104 * MIN, verdicts: new Map([["payments", verdict("payments", 5)]]) });
    expect(h.audit.map((a) => a.event)).toEqual(["applied", "escalated"]);
    expect(h.events[1]).toMatch(/^Warning RemediationEscalated: restart payments-v1-a .*a person is needed$/);
  });

  it("undoes what is still in effect when the policy goes back to observe: the kill switch", async () => {
    const h = harness();
    await h.step({});
    await h.step({ nowMs: 101 * MIN, spec: spec({ mode: "observe" }) });
    expect(h.actuator.get("payments")?.hpa?.minReplicas).toBe(2);
    expect(h.audit.map((a) => [a.event, a.reason])).toEqual([
      ["applied", expect.any(String)],
      ["undone", "minReplicas back to 2: kill switch: the policy is in observe mode"],
    ]);
    // Once undone, it is not undone again.
    await h.step({ nowMs: 102 * MIN, spec: spec({ mode: "observe" }) });
    expect(h.actuator.log.filter((l) => l.op === "undo")).toHaveLength(1);
  });

  it("records an action the actuator failed to carry out, and counts it against the rate limit", async () => {
    const actuator = new InMemoryRemediation({ payments: PAYMENTS });
    actuator.apply = async () => {
      throw new Error("403: forbidden");
    };
    const h = harness(PAYMENTS, actuator);
    await h.step({});
    expect(h.events).toEqual([
      "Warning RemediationFailed: could not raise payments-v1 minReplicas from 2 to 4: 403: forbidden",
    ]);
    expect(h.audit[0]).toEqual(expect.objectContaining({ event: "failed", error: "403: forbidden" }));
    expect(h.runner.history(POLICY)[0].verdict).toBe("failed");
  });

  it("gives back the floors a policy holds on the objects, whatever it remembers", async () => {
    const h = harness();
    await h.step({});
    const fresh = new RemediationRunner(h.actuator, (r) => h.audit.push(r));
    await fresh.release(POLICY, spec(), 110 * MIN);
    expect(h.actuator.get("payments")?.hpa?.minReplicas).toBe(2);
    expect(h.audit.at(-1)).toEqual(expect.objectContaining({ event: "released", target: "payments-v1" }));
    // Another policy's release gives back nothing of this one's.
    const other = harness();
    await other.step({});
    await new RemediationRunner(other.actuator).release({ namespace: "shop", name: "other" }, spec(), 0);
    expect(other.actuator.get("payments")?.hpa?.minReplicas).toBe(4);
  });
});
