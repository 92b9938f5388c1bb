import type { AuditRecord } from "../telemetry/audit.js";
import { ChangeLog, routingChange } from "./change-log.js";

const line = (over: Partial<AuditRecord>): AuditRecord => ({
  at: "2026-12-03T12:00:00.000Z",
  intent: "shop/payments",
  host: "payments.shop.svc.cluster.local",
  mode: "act",
  kind: "change",
  leader: true,
  explanation: "",
  guardrails: [],
  to: { weights: { v1: 70, v2: 30 } } as never,
  write: { ok: true },
  ...over,
});

describe("recent changes", () => {
  it("takes the traffic optimizer's routing writes as changes of the host's service, with their undo", () => {
    expect(routingChange(line({}))).toEqual({
      atMs: Date.parse("2026-12-03T12:00:00.000Z"),
      service: "payments",
      kind: "optimizer",
      description: "the optimizer's change of shop/payments's routing to v1 70%, v2 30%",
      undo: `kubectl -n shop patch trafficintent payments --type merge -p '{"spec":{"mode":"observe"}}' (restores the routing Git declared)`,
    });
  });

  it("ignores decisions that wrote nothing: a hold, an observation, a failed write", () => {
    expect(routingChange(line({ kind: "hold" }))).toBeUndefined();
    expect(routingChange(line({ kind: "observe", write: undefined }))).toBeUndefined();
    expect(routingChange(line({ write: { ok: false, error: "409" } }))).toBeUndefined();
  });

  it("keeps the newest, up to its bound, and answers from a time on", () => {
    const log = new ChangeLog(3);
    for (const atMs of [1, 2, 3, 4, 5])
      log.record({ atMs, service: "cart", kind: "remediation", description: `#${atMs}` });
    expect(log.since(0).map((c) => c.atMs)).toEqual([3, 4, 5]);
    expect(log.since(4).map((c) => c.atMs)).toEqual([4, 5]);
  });
});
