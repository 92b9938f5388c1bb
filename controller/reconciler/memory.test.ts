import { describe, expect, test } from "@jest/globals";
import { keep, runtimeOf, snapshotOf, stepMemoryOf } from "./memory.js";

describe("the reconciler's memory", () => {
  test("what the step leaves is kept, and read back the same", () => {
    const r = runtimeOf("shop/a", { policy: "hold", state: {}, decisions: 0 }, 1);
    const written = { algorithm: "LEAST_REQUEST" as const, weights: { v1: 60, v2: 40 } };
    keep(r, { policyState: { n: 1 }, written, lastChangeMs: 5, stale: 2 });
    expect(stepMemoryOf(r)).toEqual({
      policyState: { n: 1 },
      written,
      lastChangeMs: 5,
      probation: undefined,
      stale: 2,
    });
  });

  test("the snapshot holds only what survives a restart, in key order", () => {
    const runtimes = new Map([
      ["shop/b", runtimeOf("shop/b", { policy: "hold", state: 1, decisions: 3 }, 1)],
      ["shop/a", runtimeOf("shop/a", { policy: "hold", state: 2, decisions: 4 }, 1)],
    ]);
    (runtimes.get("shop/a") as { stale: number }).stale = 7;
    const snapshot = snapshotOf(runtimes);
    expect(Object.keys(snapshot.intents)).toEqual(["shop/a", "shop/b"]);
    expect(JSON.parse(JSON.stringify(snapshot.intents["shop/a"]))).toEqual({
      policy: "hold",
      state: 2,
      decisions: 4,
    });
  });
});
