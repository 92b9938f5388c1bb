import {
  callEdges,
  callersOf,
  imageNames,
  SHOP_SERVICES,
  type ShopService,
  validateShopModel,
} from "./shop.js";

const base = SHOP_SERVICES;
const change = (name: string, patch: Partial<ShopService>) =>
  base.map((s) => (s.name === name ? { ...s, ...patch } : s));

describe("shop model", () => {
  it("has the seven services on distinct ports, and validates", () => {
    expect(SHOP_SERVICES.map((s) => s.name)).toEqual([
      "frontend",
      "catalog",
      "cart",
      "checkout",
      "payments",
      "orders",
      "recommendation",
    ]);
    expect(validateShopModel(SHOP_SERVICES)).toBe(SHOP_SERVICES);
  });

  it("follows a real shop's call graph, without cycles", () => {
    expect(callEdges()).toEqual([
      "checkout->cart",
      "checkout->catalog",
      "checkout->orders",
      "checkout->payments",
      "frontend->cart",
      "frontend->catalog",
      "frontend->checkout",
      "frontend->recommendation",
      "recommendation->catalog",
    ]);
    const visiting = new Set<string>();
    const visit = (name: string, path: string[]): void => {
      if (visiting.has(name)) throw new Error(`cycle: ${[...path, name].join(" -> ")}`);
      visiting.add(name);
      for (const callee of SHOP_SERVICES.find((s) => s.name === name)?.calls ?? [])
        visit(callee, [...path, name]);
      visiting.delete(name);
    };
    for (const s of SHOP_SERVICES) visit(s.name, []);
    expect(callersOf("catalog").sort()).toEqual(["checkout", "frontend", "recommendation"]);
  });

  it("builds one image per service plus the optimizer", () => {
    expect(imageNames()).toHaveLength(8);
    expect(imageNames()).toContain("optimizer");
  });

  describe("rejects bad input with the field and the fix", () => {
    it.each([
      [
        "a call to an unknown service",
        change("frontend", { calls: ["catalog", "carts"] }),
        "shop model: service 'frontend' calls unknown service 'carts'; known services: frontend, catalog",
      ],
      [
        "a port collision",
        change("cart", { port: 8081 }),
        "shop model: service 'cart': 'port' 8081 is already used by 'catalog'; give each service its own port",
      ],
      [
        "a privileged port",
        change("cart", { port: 80 }),
        "'port' is 80 but must be an integer from 1024 to 65535",
      ],
      [
        "a latency SLO out of range",
        change("cart", { slo: { p99LatencyMs: 0, errorRate: 0.001 } }),
        "service 'cart': 'slo.p99LatencyMs' is 0 but must be between 1 and 60000",
      ],
      [
        "an error-rate SLO out of range",
        change("cart", { slo: { p99LatencyMs: 100, errorRate: 1.5 } }),
        "service 'cart': 'slo.errorRate' is 1.5 but must be a fraction between 0 and 1",
      ],
      [
        "min replicas above max",
        change("cart", { replicas: { min: 5, max: 3 } }),
        "service 'cart': 'replicas.min' (5) is above 'replicas.max' (3)",
      ],
      [
        "zero replicas",
        change("cart", { replicas: { min: 0, max: 3 } }),
        "'replicas.min' is 0 but must be a whole number",
      ],
      [
        "a request above its limit",
        change("cart", {
          resources: { cpuMillis: { request: 900, limit: 500 }, memoryMiB: { request: 1, limit: 2 } },
        }),
        "'resources.cpuMillis' request 900 must be positive and at most the limit 500",
      ],
      [
        "weights not summing to 100",
        change("catalog", { versions: [{ name: "v1", weight: 60 }] }),
        "service 'catalog': version weights sum to 60 but must sum to 100",
      ],
      ["a self-call", change("cart", { calls: ["cart"] }), "service 'cart' calls itself"],
      ["a duplicate service", [...base, base[0]], "service 'frontend' is described twice"],
      [
        "a bad name",
        change("frontend", { name: "Front_End" }),
        "service 'Front_End': 'name' must be a DNS label",
      ],
    ])("%s", (_what, services, message) => {
      expect(() => validateShopModel(services)).toThrow(message);
    });
  });
});
