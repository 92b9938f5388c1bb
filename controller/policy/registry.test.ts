import { describe, expect, test } from "@jest/globals";
import { UnknownNameError } from "../unknown-name-error.js";
import { createPolicy, POLICY_NAMES, policyNameOf } from "./registry.js";

describe("the policy registry", () => {
  test("builds every policy it names", () => {
    for (const name of POLICY_NAMES) expect(createPolicy(name).initialState(["v1", "v2"])).toBeDefined();
  });

  test("an unknown name throws one line naming the setting and the valid names", () => {
    expect(() => createPolicy("thompson", {}, "--policy")).toThrow(UnknownNameError);
    expect(() => createPolicy("thompson", {}, "--policy")).toThrow(
      "--policy: unknown name 'thompson'; valid names are q-learning, thompson-k1, thompson-k2, thompson-k3, hold",
    );
  });

  test("an intent's algorithm picks its policy; Thompson sampling hedges only where allowed", () => {
    const spec = (algorithm: "q-learning" | "thompson-hedging" | "hold", allowHedging: boolean) => ({
      algorithm,
      guardrails: { allowHedging },
    });
    expect(policyNameOf(spec("thompson-hedging", true))).toBe("thompson-k2");
    expect(policyNameOf(spec("thompson-hedging", false))).toBe("thompson-k1");
    expect(policyNameOf(spec("q-learning", true))).toBe("q-learning");
    expect(policyNameOf(spec("hold", false))).toBe("hold");
  });
});
