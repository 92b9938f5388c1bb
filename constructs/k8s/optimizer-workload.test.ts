import { Chart, Testing } from "cdk8s";
import { OptimizerWorkload, type OptimizerWorkloadProps } from "./optimizer-workload.js";

interface Rule {
  readonly apiGroups: string[];
  readonly resources: string[];
  readonly verbs: string[];
  readonly resourceNames?: string[];
}

const BASE: OptimizerWorkloadProps = {
  namespace: "meshpilot",
  managedNamespaces: ["shop"],
  image: "registry.example/optimizer",
  imageTag: "1.0.0",
  prometheusNamespace: "observability",
  apiServerCidr: "10.0.0.0/16",
};

function shopRules(props: Partial<OptimizerWorkloadProps>): Rule[] {
  const chart = new Chart(Testing.app(), "test");
  new OptimizerWorkload(chart, "Workload", { ...BASE, ...props });
  const role = Testing.synth(chart).find((m) => m.kind === "Role" && m.metadata.namespace === "shop");
  return (role as { rules: Rule[] }).rules;
}

describe("OptimizerWorkload: what AIOps act mode may change", () => {
  test("by default nothing: no pod eviction, no HPA patch", () => {
    const rules = shopRules({});
    expect(rules.some((r) => r.resources.includes("pods/eviction"))).toBe(false);
    expect(
      rules.some((r) => r.resources.includes("horizontalpodautoscalers") && r.verbs.includes("patch")),
    ).toBe(false);
  });

  test("with the props, eviction in the named namespaces and patch on the named HPAs only", () => {
    const rules = shopRules({
      aiopsScalableHpas: { shop: ["payments-v1", "cart-v1"] },
      aiopsEvictionNamespaces: ["shop"],
    });
    expect(rules).toContainEqual({
      apiGroups: ["autoscaling"],
      resources: ["horizontalpodautoscalers"],
      verbs: ["patch"],
      resourceNames: ["cart-v1", "payments-v1"],
    });
    expect(rules).toContainEqual({ apiGroups: [""], resources: ["pods/eviction"], verbs: ["create"] });
    // Never delete: a restart goes through the Eviction API, where a PodDisruptionBudget has its say.
    expect(rules.some((r) => r.resources.includes("pods") && r.verbs.includes("delete"))).toBe(false);
  });
});
