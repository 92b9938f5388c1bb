import { callersOf, imageNames, SHOP_SERVICES } from "./shop.js";

describe("shop model", () => {
  it("has the seven services on distinct ports", () => {
    expect(SHOP_SERVICES.map((s) => s.name)).toEqual([
      "frontend",
      "catalog",
      "cart",
      "checkout",
      "payments",
      "orders",
      "recommendation",
    ]);
    expect(new Set(SHOP_SERVICES.map((s) => s.port)).size).toBe(7);
  });

  it("has a call graph of known services without cycles", () => {
    const names = new Set(SHOP_SERVICES.map((s) => s.name));
    const visiting = new Set<string>();
    const visit = (name: string, path: string[]): void => {
      if (visiting.has(name)) throw new Error(`cycle: ${[...path, name].join(" -> ")}`);
      visiting.add(name);
      for (const callee of SHOP_SERVICES.find((s) => s.name === name)?.calls ?? []) {
        expect(names.has(callee)).toBe(true);
        visit(callee, [...path, name]);
      }
      visiting.delete(name);
    };
    for (const s of SHOP_SERVICES) visit(s.name, []);
    expect(callersOf("catalog").sort()).toEqual(["checkout", "frontend", "recommendation"]);
  });

  it("builds one image per service plus the optimizer", () => {
    expect(imageNames()).toHaveLength(8);
    expect(imageNames()).toContain("optimizer");
  });
});
