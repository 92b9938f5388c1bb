import { rankChanges, rankRootCauses } from "./root-cause.js";

// frontend → checkout → payments, frontend → catalog, recommendation → catalog.
const GRAPH = {
  frontend: ["checkout", "catalog", "recommendation"],
  checkout: ["payments", "orders"],
  recommendation: ["catalog"],
  payments: [],
  orders: [],
  catalog: [],
};

describe("root cause on the call graph", () => {
  it("puts the deepest affected callee first, even when its callers look worse", () => {
    const ranked = rankRootCauses(GRAPH, {
      frontend: { severity: 4 },
      checkout: { severity: 6 },
      payments: { severity: 1.5 },
      catalog: { severity: 0.1 },
    });
    expect(ranked.map((s) => s.service)).toEqual(["payments", "checkout", "frontend"]);
    expect(ranked[0].reasons).toEqual(["no affected callee", "explains checkout, frontend"]);
    expect(ranked[1].reasons[0]).toBe("explained by affected callee payments");
  });

  it("counts a sub-threshold callee as an explanation once it is affected", () => {
    const ranked = rankRootCauses(GRAPH, { recommendation: { severity: 3 }, catalog: { severity: 0.6 } });
    expect(ranked[0].service).toBe("catalog");
    expect(
      rankRootCauses(GRAPH, { recommendation: { severity: 3 }, catalog: { severity: 0.4 } })[0].service,
    ).toBe("recommendation");
  });

  it("ranks two independent faults by their own severity", () => {
    const ranked = rankRootCauses(GRAPH, { orders: { severity: 2 }, catalog: { severity: 5 } });
    expect(ranked.map((s) => s.service)).toEqual(["catalog", "orders"]);
  });

  it("ranks recent changes to the suspects, the most recent first, and ignores old ones", () => {
    const suspects = rankRootCauses(GRAPH, { checkout: { severity: 3 }, payments: { severity: 2 } });
    const onset = 60 * 60_000;
    const changes = rankChanges(
      [
        { atMs: onset - 5 * 60_000, service: "payments", kind: "version", description: "payments v2 at 10%" },
        { atMs: onset - 2 * 60_000, service: "catalog", kind: "config", description: "catalog pool size" },
        { atMs: onset - 20 * 60_000, service: "payments", kind: "optimizer", description: "weights" },
        { atMs: onset - 50 * 60_000, service: "payments", kind: "config", description: "too old" },
        { atMs: onset + 60_000, service: "payments", kind: "remediation", description: "after onset" },
      ],
      suspects,
      onset,
    );
    expect(changes.map((c) => c.description)).toEqual(["payments v2 at 10%", "weights", "catalog pool size"]);
    expect(changes[0].score).toBeCloseTo(0.5 ** 0.5, 4);
  });
});

describe("root cause, load against symptoms", () => {
  it("does not suspect a callee whose traffic fell because a caller stalls", () => {
    const ranked = rankRootCauses(GRAPH, {
      frontend: { severity: 9, symptom: 9 },
      recommendation: { severity: 12, symptom: 12 },
      // catalog's requests halved (recommendation's stalled calls send fewer), nothing else.
      catalog: { severity: 2, symptom: 0.1 },
    });
    expect(ranked.map((s) => s.service)).toEqual(["recommendation", "frontend", "catalog"]);
    expect(ranked[2]).toEqual({
      service: "catalog",
      score: 0,
      reasons: ["load changed, no symptom of its own"],
    });
  });
});
