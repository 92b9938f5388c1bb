import {
  candidates,
  DEFAULT_REMEDIATION,
  type DoneAction,
  decideRemediation,
  type RemediationInput,
  type ServiceView,
  verifyActions,
} from "./remediation.js";

const MIN = 60_000;
const ACT = { ...DEFAULT_REMEDIATION, mode: "act" as const };

/** payments: v2 new at 20% and worse than v1; pod payments-v1-2 stands out; saturated; a recent change. */
const VIEW: ServiceView = {
  pods: [
    { name: "payments-v1-0", version: "v1", ready: true, severity: 0.2 },
    { name: "payments-v1-1", version: "v1", ready: true, severity: 0.3 },
    { name: "payments-v1-2", version: "v1", ready: true, severity: 4 },
    { name: "payments-v2-0", version: "v2", ready: true, severity: 0.4 },
  ],
  weights: { v1: 80, v2: 20 },
  newestVersion: { name: "v2", sinceMs: 0 },
  versionSeverity: { v1: 0.5, v2: 3 },
  hpa: { name: "payments-v1", minReplicas: 2, maxReplicas: 10, current: 3 },
  laneAvailable: true,
  saturated: true,
  lastChange: { revision: "abc1234", atMs: 0, path: "gitops/prod/shop/payments.yaml" },
};

const input = (over: Partial<RemediationInput> = {}): RemediationInput => ({
  incident: 1,
  suspect: "payments",
  severity: 4,
  view: VIEW,
  telemetryComplete: true,
  history: [],
  nowMs: 100 * MIN,
  ...over,
});

const done = (over: Partial<DoneAction>): DoneAction => ({
  kind: "restart-pod",
  service: "cart",
  target: "cart-v1-0",
  detail: "",
  atMs: 90 * MIN,
  severityBefore: 4,
  incident: 0,
  ...over,
});

describe("remediation candidates", () => {
  it("offers, least disruptive first: traffic off the worse new version, the lane, a restart, a scale-out, a revert", () => {
    expect(candidates("payments", VIEW).map((a) => [a.kind, a.target])).toEqual([
      ["shift-traffic", "v2"],
      ["quarantine-pod", "payments-v1-2"],
      ["restart-pod", "payments-v1-2"],
      ["scale-out", "payments-v1"],
      ["propose-revert", "abc1234"],
    ]);
  });

  it("does not single out a pod when its peers are as bad, nor blame a new version that is not worse", () => {
    const all = VIEW.pods.map((p) => ({ ...p, severity: 3 }));
    const view = {
      ...VIEW,
      pods: all,
      versionSeverity: { v1: 3, v2: 3 },
      saturated: false,
      lastChange: undefined,
    };
    expect(candidates("payments", view)).toEqual([]);
    expect(candidates("payments", { ...VIEW, laneAvailable: false }).map((a) => a.kind)).not.toContain(
      "quarantine-pod",
    );
  });
});

describe("remediation guardrails", () => {
  it("acts on one action at a time in act mode, its size bounded, and only proposes the revert", () => {
    const d = decideRemediation(input(), ACT);
    expect(d.act).toEqual([
      expect.objectContaining({ kind: "shift-traffic", detail: "move payments v2 from 20% to 0%" }),
    ]);
    expect(d.proposed.map((p) => [p.action.kind, p.reason])).toEqual([
      ["quarantine-pod", "one action at a time"],
      ["restart-pod", "one action at a time"],
      ["scale-out", "one action at a time"],
      ["propose-revert", "a proposal: a person reviews and pushes it"],
    ]);
    expect(d.proposed[3].action.detail).toContain("git revert abc1234");
  });

  it.each([
    ["observe mode", { ...DEFAULT_REMEDIATION }, {}],
    ["paused by a human override", { ...ACT, paused: true }, {}],
    ["telemetry incomplete: every action holds", ACT, { telemetryComplete: false }],
    ["the suspect is no longer anomalous", ACT, { severity: 0.6 }],
  ])("holds every action: %s", (reason, policy, over) => {
    const d = decideRemediation(input(over), policy);
    expect(d.act).toEqual([]);
    expect(
      d.proposed.filter((p) => p.action.kind !== "propose-revert").every((p) => p.reason === reason),
    ).toBe(true);
  });

  it("refuses a kind the policy does not allow, and goes on to the next", () => {
    const d = decideRemediation(input(), { ...ACT, allowed: ["restart-pod"] });
    expect(d.proposed[0]).toEqual({
      action: expect.objectContaining({ kind: "shift-traffic" }),
      reason: "shift-traffic is not allowed by the policy",
    });
    expect(d.act.map((a) => a.kind)).toEqual(["restart-pod"]);
  });

  it("leaves what the actuator cannot carry out as a proposal, and acts on the next it can", () => {
    const d = decideRemediation(input({ carriedOut: ["restart-pod", "scale-out"] }), ACT);
    expect(d.proposed.slice(0, 2).map((p) => [p.action.kind, p.reason])).toEqual([
      ["shift-traffic", "a proposal: this actuator does not carry out shift-traffic; a person can"],
      ["quarantine-pod", "a proposal: this actuator does not carry out quarantine-pod; a person can"],
    ]);
    expect(d.act).toEqual([expect.objectContaining({ kind: "restart-pod", target: "payments-v1-2" })]);
  });

  it("leaves traffic actions as proposals while the traffic optimizer does not act, and restarts instead", () => {
    const why =
      "TrafficIntent payments is in observe mode; the traffic optimizer carries out traffic actions in act mode only";
    const d = decideRemediation(input({ view: { ...VIEW, trafficUnavailable: why } }), ACT);
    expect(d.proposed.slice(0, 2).map((p) => [p.action.kind, p.reason])).toEqual([
      ["shift-traffic", `a proposal: ${why}`],
      ["quarantine-pod", `a proposal: ${why}`],
    ]);
    expect(d.act).toEqual([expect.objectContaining({ kind: "restart-pod", target: "payments-v1-2" })]);
  });

  it("counts a failed action against the rate limit, so a failing actuator is not hammered", () => {
    const history = [1, 2, 3, 4].map((i) =>
      done({ service: `s${i}`, atMs: 100 * MIN - i * MIN, verdict: "failed" as const }),
    );
    expect(decideRemediation(input({ history }), ACT).act).toEqual([]);
  });

  it("keeps to the hourly rate limit, and does not count undone actions", () => {
    const history = [1, 2, 3, 4].map((i) => done({ service: `s${i}`, atMs: 100 * MIN - i * 10 * MIN + 1 }));
    const d = decideRemediation(input({ history }), ACT);
    expect(d.act).toEqual([]);
    expect(d.proposed[0].reason).toBe("rate limit: 4 actions in the last hour (at most 4)");
    const undone = history.map((h, i) => (i === 0 ? { ...h, verdict: "undone" as const } : h));
    expect(decideRemediation(input({ history: undone }), ACT).act).toHaveLength(1);
  });

  it("does not try again, for the same incident, an action that was undone", () => {
    const history = [
      done({
        kind: "scale-out",
        service: "payments",
        target: "payments-v1",
        atMs: 60 * MIN,
        verdict: "undone",
        incident: 1,
      }),
    ];
    const d = decideRemediation(input({ history }), { ...ACT, allowed: ["scale-out"] });
    expect(d.act).toEqual([]);
    expect(d.proposed.find((p) => p.action.kind === "scale-out")?.reason).toBe(
      "already tried for incident 1, and undone: it did not help",
    );
    expect(
      decideRemediation(input({ history, incident: 2 }), { ...ACT, allowed: ["scale-out"] }).act,
    ).toHaveLength(1);
  });

  it("keeps a cooldown per service, counting an undone action", () => {
    const undone = [done({ service: "payments", atMs: 95 * MIN, verdict: "undone" })];
    expect(decideRemediation(input({ history: undone }), ACT).proposed[0].reason).toMatch(/^cooldown/);
    const history = [done({ service: "payments", atMs: 95 * MIN })];
    const d = decideRemediation(input({ history }), ACT);
    expect(d.act).toEqual([]);
    expect(d.proposed[0].reason).toBe("cooldown: payments was acted on 300 s ago (at least 600 s apart)");
    expect(
      decideRemediation(input({ history: [done({ service: "payments", atMs: 89 * MIN })] }), ACT).act,
    ).toHaveLength(1);
  });

  it("limits the pods restarted or quarantined to a share of the ready ones, never the last", () => {
    const three = { ...VIEW, weights: undefined, pods: VIEW.pods.slice(0, 3) };
    const d = decideRemediation(input({ view: three }), {
      ...ACT,
      allowed: ["quarantine-pod", "restart-pod"],
    });
    expect(d.act).toEqual([]);
    expect(d.proposed[0].reason).toBe("blast radius: 3 ready pods; 25% of them is less than one pod");
    const four = { ...VIEW, weights: undefined };
    expect(decideRemediation(input({ view: four }), { ...ACT, allowed: ["quarantine-pod"] }).act).toEqual([
      expect.objectContaining({ kind: "quarantine-pod", target: "payments-v1-2" }),
    ]);
  });

  it("scales out by at most the step, to at most the factor and the HPA's maximum", () => {
    const only = { ...ACT, allowed: ["scale-out" as const] };
    expect(decideRemediation(input(), only).act[0]).toEqual(
      expect.objectContaining({ detail: "raise payments-v1 minReplicas from 2 to 4", amount: 4 }),
    );
    const high = { ...VIEW, hpa: { name: "payments-v1", minReplicas: 5, maxReplicas: 10, current: 3 } };
    expect(decideRemediation(input({ view: high }), only).act[0].detail).toBe(
      "raise payments-v1 minReplicas from 5 to 6",
    );
    const top = { ...VIEW, hpa: { name: "payments-v1", minReplicas: 6, maxReplicas: 10, current: 3 } };
    expect(
      decideRemediation(input({ view: top }), only).proposed.find((p) => p.action.kind === "scale-out")
        ?.reason,
    ).toBe("blast radius: minReplicas 6 is at its ceiling 6");
  });

  it("moves at most the policy's share of weight off a version per action", () => {
    const view = { ...VIEW, weights: { v1: 30, v2: 70 } };
    expect(decideRemediation(input({ view }), ACT).act[0].detail).toBe("move payments v2 from 70% to 20%");
  });
});

describe("checking what an action did", () => {
  const history = [
    done({ service: "a", atMs: 0, undo: "put it back" }),
    done({ service: "b", atMs: 0, undo: "put it back" }),
    done({ service: "c", atMs: 0 }),
    done({ service: "d", atMs: 99 * MIN }),
    done({ service: "e", atMs: 0 }),
  ];
  const severity: Record<string, number | undefined> = { a: 0.5, b: 3.9, c: 3.9, d: 0.1, e: undefined };

  it("keeps what helped, undoes what did not, escalates what cannot be undone, and waits for time and telemetry", () => {
    const verdicts = verifyActions(history, (s) => severity[s], 100 * MIN, DEFAULT_REMEDIATION);
    expect(verdicts.map((v) => [v.action.service, v.verdict])).toEqual([
      ["a", "helped"],
      ["b", "undone"],
      ["c", "escalated"],
    ]);
    // Half the severity it had is help too, even above the threshold.
    expect(verifyActions([done({ atMs: 0 })], () => 2, 100 * MIN, DEFAULT_REMEDIATION)[0].verdict).toBe(
      "helped",
    );
  });

  it("judges nothing while paused", () => {
    expect(
      verifyActions(history, (s) => severity[s], 100 * MIN, { ...DEFAULT_REMEDIATION, paused: true }),
    ).toEqual([]);
  });
});
