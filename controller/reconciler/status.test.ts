import { describe, expect, test } from "@jest/globals";
import { buildStatus, decisionStatus, statusFingerprint, statusNews } from "./status.js";

const live = { algorithm: "LEAST_REQUEST" as const, weights: { v1: 50, v2: 50 } };
const facts = {
  mode: "act",
  paused: false,
  degraded: false,
  kind: "change",
  explanation: "moved",
  from: live,
  to: { ...live, weights: { v1: 60, v2: 40 } },
};

describe("the intent's status", () => {
  test("a condition keeps its lastTransitionTime until its status flips", () => {
    const ok = { status: true, reason: "Acting", message: "" };
    const no = { status: false, reason: "AsExpected", message: "" };
    const first = buildStatus(undefined, 1, "t1", { Ready: ok, Degraded: no, Invalid: no }, {});
    const same = buildStatus(first, 1, "t2", { Ready: ok, Degraded: no, Invalid: no }, {});
    const flipped = buildStatus(same, 1, "t3", { Ready: no, Degraded: ok, Invalid: no }, {});
    expect(same.conditions.map((c) => c.lastTransitionTime)).toEqual(["t1", "t1", "t1"]);
    expect(flipped.conditions.map((c) => c.lastTransitionTime)).toEqual(["t3", "t3", "t1"]);
  });

  test("a change reports the new weights; a failed write is Degraded with the reason", () => {
    const changed = decisionStatus(undefined, 2, "t", facts);
    expect(changed.weights).toEqual({ v1: 60, v2: 40 });
    expect(changed.conditions.find((c) => c.type === "Ready")).toMatchObject({
      status: "True",
      reason: "Acting",
    });
    const failed = decisionStatus(undefined, 2, "t", { ...facts, kind: "error", explanation: "409" });
    expect(failed.weights).toEqual({ v1: 50, v2: 50 });
    expect(failed.conditions.find((c) => c.type === "Degraded")).toMatchObject({
      status: "True",
      reason: "WriteFailed",
      message: "409",
    });
    const stale = decisionStatus(undefined, 2, "t", { ...facts, kind: "stale", degraded: true });
    expect(stale.conditions.find((c) => c.type === "Ready")?.reason).toBe("TelemetryStale");
    const restored = decisionStatus(undefined, 2, "t", {
      ...facts,
      kind: "restore",
      original: { v1: 80, v2: 20 },
    });
    expect(restored.weights).toEqual({ v1: 80, v2: 20 });
  });

  test("commentary alone is not news; a new kind of decision is", () => {
    const observe = decisionStatus(undefined, 1, "t1", { ...facts, kind: "observe", to: undefined });
    const drifted = decisionStatus(observe, 1, "t2", {
      ...facts,
      kind: "observe",
      to: undefined,
      explanation: "other",
    });
    expect(statusNews(drifted)).toBe(statusNews(observe));
    expect(statusFingerprint(drifted)).not.toBe(statusFingerprint(observe));
    const paused = decisionStatus(observe, 1, "t2", {
      ...facts,
      kind: "paused",
      paused: true,
      to: undefined,
    });
    expect(statusNews(paused)).not.toBe(statusNews(observe));
  });
});
