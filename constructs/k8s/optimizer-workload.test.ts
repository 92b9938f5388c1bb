import { Chart, Testing } from "cdk8s";
import { ArgoApplicationReader } from "./argo-application-reader.js";
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

  test("a webhook opens egress to its pods on its port only, and sets the URL", () => {
    const chart = new Chart(Testing.app(), "test");
    new OptimizerWorkload(chart, "Workload", {
      ...BASE,
      aiopsWebhook: {
        url: "http://chat-relay.monitoring.svc:8080/hook",
        namespace: "monitoring",
        podLabels: { app: "chat-relay" },
        port: 8080,
      },
    });
    const out = Testing.synth(chart);
    const policy = out.find((m) => m.kind === "NetworkPolicy") as { spec: { egress: unknown[] } };
    expect(policy.spec.egress).toContainEqual({
      to: [
        {
          namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } },
          podSelector: { matchLabels: { app: "chat-relay" } },
        },
      ],
      ports: [{ protocol: "TCP", port: 8080 }],
    });
    expect(JSON.stringify(out.find((m) => m.kind === "Deployment"))).toContain(
      '{"name":"AIOPS_WEBHOOK_URL","value":"http://chat-relay.monitoring.svc:8080/hook"}',
    );
  });

  test.each([
    [
      { url: "chat relay" },
      "OptimizerWorkload: 'aiopsWebhook.url' is 'chat relay' but must be an http(s) URL",
    ],
    [{ port: 0 }, "OptimizerWorkload: 'aiopsWebhook.port' is 0 but must be a port from 1 to 65535"],
    [
      { podLabels: {} },
      "OptimizerWorkload: 'aiopsWebhook.podLabels' is {} but must name the pods behind the URL",
    ],
  ])("a wrong webhook prop fails at synth naming it: %j", (over, message) => {
    const aiopsWebhook = {
      url: "http://relay:8080/",
      namespace: "monitoring",
      podLabels: { app: "relay" },
      port: 8080,
      ...over,
    };
    expect(
      () => new OptimizerWorkload(new Chart(Testing.app(), "t"), "W", { ...BASE, aiopsWebhook }),
    ).toThrow(message);
  });

  test("reads Loki through its gateway's pods only, and a wrong Loki prop fails at synth naming it", () => {
    const aiopsLoki = {
      url: "http://loki-gateway.observability.svc.cluster.local",
      namespace: "observability",
      podLabels: { "app.kubernetes.io/name": "loki", "app.kubernetes.io/component": "gateway" },
      port: 8080,
    };
    const chart = new Chart(Testing.app(), "t");
    new OptimizerWorkload(chart, "W", { ...BASE, aiopsLoki });
    const synth = Testing.synth(chart);
    expect(JSON.stringify(synth)).toContain(
      '{"name":"AIOPS_LOKI_URL","value":"http://loki-gateway.observability.svc.cluster.local"}',
    );
    const policy = synth.find((m) => m.kind === "NetworkPolicy") as { spec: { egress: unknown[] } };
    expect(policy.spec.egress).toContainEqual({
      to: [
        {
          namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "observability" } },
          podSelector: { matchLabels: aiopsLoki.podLabels },
        },
      ],
      ports: [{ protocol: "TCP", port: 8080 }],
    });
    expect(
      () =>
        new OptimizerWorkload(new Chart(Testing.app(), "t"), "W", {
          ...BASE,
          aiopsLoki: { ...aiopsLoki, url: "loki" },
        }),
    ).toThrow("OptimizerWorkload: 'aiopsLoki.url' is 'loki' but must be an http(s) URL");
  });

  test("names the Argo CD Application to read and lists Deployments read-only; a wrong name fails at synth", () => {
    const chart = new Chart(Testing.app(), "t");
    new OptimizerWorkload(chart, "W", {
      ...BASE,
      aiopsArgoApplication: { namespace: "argocd", name: "shop" },
    });
    expect(JSON.stringify(Testing.synth(chart))).toContain(
      '{"name":"AIOPS_ARGOCD_APPLICATION","value":"argocd/shop"}',
    );
    expect(shopRules({})).toContainEqual({
      apiGroups: ["apps"],
      resources: ["deployments"],
      verbs: ["list"],
    });
    expect(
      () =>
        new OptimizerWorkload(new Chart(Testing.app(), "t"), "W", {
          ...BASE,
          aiopsArgoApplication: { namespace: "argocd", name: "Shop App" },
        }),
    ).toThrow("OptimizerWorkload: 'aiopsArgoApplication.name' is 'Shop App' but must be a DNS label");
  });

  test("the Application reader grants get on that one Application, in its namespace, and checks its props", () => {
    const chart = new Chart(Testing.app(), "t");
    new ArgoApplicationReader(chart, "R", {
      application: { namespace: "argocd", name: "shop" },
      optimizerNamespace: "meshpilot-system",
    });
    const [role, binding] = Testing.synth(chart);
    expect(role).toMatchObject({
      kind: "Role",
      metadata: { name: "meshpilot-optimizer-argocd", namespace: "argocd" },
      rules: [
        { apiGroups: ["argoproj.io"], resources: ["applications"], resourceNames: ["shop"], verbs: ["get"] },
      ],
    });
    expect(binding).toMatchObject({
      kind: "RoleBinding",
      subjects: [{ kind: "ServiceAccount", name: "meshpilot-optimizer", namespace: "meshpilot-system" }],
    });
    expect(
      () =>
        new ArgoApplicationReader(new Chart(Testing.app(), "t"), "R", {
          application: { namespace: "argocd", name: "shop" },
          optimizerNamespace: "",
        }),
    ).toThrow("ArgoApplicationReader: 'optimizerNamespace' is '' but must be a DNS label");
  });
});
