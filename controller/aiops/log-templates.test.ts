import { LogTemplateMiner, templateChanges, WILDCARD } from "./log-templates.js";

const text = (tokens: readonly string[]) => tokens.join(" ");

describe("log-template mining", () => {
  test("lines that differ only in their variables share one template", () => {
    const miner = new LogTemplateMiner();
    const lines = [
      "request completed GET /products/cof-001 200 in 12ms",
      "request completed GET /products/tea-017 200 in 8ms",
      "request completed GET /products/cof-003 404 in 3ms",
      "payment captured for order 7f3c9a2e-1b4d-4c6e-9f0a-2b3c4d5e6f70 amount 1299",
      "payment captured for order 0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d amount 450",
    ];
    const seen = lines.map((l) => miner.add(l));
    expect(seen.map((s) => s.isNew)).toEqual([true, false, false, true, false]);
    expect(miner.templates().map((t) => [text(t.tokens), t.count])).toEqual([
      [`request completed GET ${WILDCARD} ${WILDCARD} in ${WILDCARD}`, 3],
      [`payment captured for order ${WILDCARD} amount ${WILDCARD}`, 2],
    ]);
  });

  test("a different message is a different template, and match() never learns", () => {
    const miner = new LogTemplateMiner();
    miner.add("upstream call to payments failed: timeout after 2000ms");
    miner.add("upstream call to payments failed: timeout after 1500ms");
    expect(miner.add("checkout lease renewed for 3f2a9c1e5b7d").isNew).toBe(true);
    expect(miner.match("upstream call to orders failed: timeout after 900ms")).toMatchObject({ count: 2 });
    expect(miner.match("circuit open for catalog")).toBeUndefined();
    expect(miner.templates()).toHaveLength(2);
  });

  test("new and surging templates in an incident window stand out from the baseline; steady ones do not", () => {
    const baseline = new Map([
      ["request completed <*>", 6000],
      ["upstream call failed <*>", 12],
      ["cache miss <*>", 600],
    ]);
    // One hour of baseline against five minutes of incident.
    const window = new Map([
      ["request completed <*>", 480],
      ["upstream call failed <*>", 140],
      ["cache miss <*>", 60],
      ["checkout abandoned <*>", 9],
    ]);
    expect(templateChanges(baseline, 60, window, 5)).toEqual([
      { template: "upstream call failed <*>", inWindow: 140, expected: 1, kind: "surging" },
      { template: "checkout abandoned <*>", inWindow: 9, expected: 0, kind: "new" },
    ]);
  });
});
