import { synthGitOpsTree } from "../charts/gitops-tree.js";
import { ENVIRONMENTS } from "../config/environments.js";
import { NAMESPACES } from "../constructs/k8s/namespaces.js";
import type { Manifest } from "../constructs/k8s/schemas.js";
import { K8S_POLICY_RULES, servicesProtected } from "./k8s-policy-rules.js";

const trees = Object.fromEntries(
  ENVIRONMENTS.map((env) => [env.name, Object.values(synthGitOpsTree(env)).flat()]),
);

describe.each(Object.keys(trees))("workload policy over the %s tree", (envName) => {
  const tree = trees[envName];

  it("has workloads to check", () => {
    expect(tree.filter((m) => m.kind === "Deployment").length).toBeGreaterThanOrEqual(7);
  });

  it.each(Object.keys(K8S_POLICY_RULES))("%s", (rule) => {
    expect(K8S_POLICY_RULES[rule as keyof typeof K8S_POLICY_RULES](tree)).toEqual([]);
  });

  it("an AuthorizationPolicy and a NetworkPolicy for every service", () => {
    expect(servicesProtected(tree, [NAMESPACES.shop])).toEqual([]);
  });
});

/** A compliant Deployment, then one field broken at a time: each rule must name what broke. */
describe("workload policy rules catch violations", () => {
  const good = (): Manifest => ({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", namespace: "shop" },
    spec: {
      template: {
        metadata: { labels: { app: "web" } },
        spec: {
          securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
          containers: [
            {
              name: "app",
              image: "registry/web:1.2.3",
              securityContext: {
                runAsNonRoot: true,
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ["ALL"] },
              },
              resources: { requests: { cpu: "1", memory: "1Mi" }, limits: { cpu: "1", memory: "1Mi" } },
              readinessProbe: {},
              livenessProbe: {},
              startupProbe: {},
            },
          ],
        },
      },
    },
  });
  const hpa: Manifest = {
    apiVersion: "autoscaling/v2",
    kind: "HorizontalPodAutoscaler",
    metadata: { name: "web", namespace: "shop" },
    spec: { scaleTargetRef: { kind: "Deployment", name: "web" } },
  };
  const pdb: Manifest = {
    apiVersion: "policy/v1",
    kind: "PodDisruptionBudget",
    metadata: { name: "web", namespace: "shop" },
    spec: { selector: { matchLabels: { app: "web" } } },
  };
  const closed: Manifest[] = [
    {
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: { name: "default-deny", namespace: "shop" },
      spec: { podSelector: {}, policyTypes: ["Ingress"] },
    },
    {
      apiVersion: "security.istio.io/v1",
      kind: "AuthorizationPolicy",
      metadata: { name: "allow-nothing", namespace: "shop" },
      spec: {},
    },
  ];
  const broken = (mutate: (d: any) => void): Manifest[] => {
    const d = good() as any;
    mutate(d);
    return [d, hpa, pdb, ...closed];
  };
  const container = (d: any) => d.spec.template.spec.containers[0];

  it("passes the compliant Deployment", () => {
    for (const rule of Object.values(K8S_POLICY_RULES))
      expect(rule([good(), hpa, pdb, ...closed])).toEqual([]);
  });

  it("flags a namespace left open: no default-deny, or a deny policy that lets something in", () => {
    const rule = K8S_POLICY_RULES["namespaces closed by default"];
    expect(rule([good()])).toEqual([
      "namespace shop: no default-deny NetworkPolicy",
      "namespace shop: no allow-nothing AuthorizationPolicy",
    ]);
    const leaky = { ...closed[0], spec: { podSelector: {}, policyTypes: ["Ingress"], ingress: [{}] } };
    const scoped = { ...closed[1], spec: { selector: { matchLabels: { app: "web" } } } };
    expect(rule([good(), leaky, scoped])).toEqual([
      "namespace shop: no default-deny NetworkPolicy",
      "namespace shop: no allow-nothing AuthorizationPolicy",
    ]);
  });

  it.each([
    [
      "restricted Pod Security profile",
      (d: any): void => {
        container(d).securityContext.allowPrivilegeEscalation = true;
      },
      "allowPrivilegeEscalation is not false",
    ],
    [
      "restricted Pod Security profile",
      (d: any): void => {
        container(d).securityContext.capabilities = { drop: ["NET_RAW"] };
      },
      "capabilities do not drop ALL",
    ],
    [
      "restricted Pod Security profile",
      (d: any): void => {
        container(d).securityContext.readOnlyRootFilesystem = false;
      },
      "root filesystem is writable",
    ],
    [
      "restricted Pod Security profile",
      (d: any) => delete d.spec.template.spec.securityContext.seccompProfile,
      "pod seccompProfile is not RuntimeDefault",
    ],
    [
      "restricted Pod Security profile",
      (d: any): void => {
        container(d).securityContext.privileged = true;
      },
      "privileged",
    ],
    [
      "restricted Pod Security profile",
      (d: any): void => {
        d.spec.template.spec.hostNetwork = true;
      },
      "shares a host namespace",
    ],
    [
      "pods carry an app label",
      (d: any): void => {
        d.spec.template.metadata.labels = { "app.kubernetes.io/name": "web" };
      },
      "Deployment shop/web: pods carry no 'app' label",
    ],
    [
      "requests and limits set",
      (d: any): void => {
        delete container(d).resources.limits.memory;
      },
      "no memory limits",
    ],
    [
      "probes set",
      (d: any): void => {
        delete container(d).startupProbe;
      },
      "no startupProbe",
    ],
    [
      "no latest or untagged image",
      (d: any): void => {
        container(d).image = "registry/web:latest";
      },
      "uses latest",
    ],
    [
      "no latest or untagged image",
      (d: any): void => {
        container(d).image = "registry:5000/web";
      },
      "has no tag",
    ],
    [
      "an HPA and a PDB for every Deployment",
      (d: any): void => {
        d.spec.replicas = 3;
      },
      "sets replicas although an HPA owns them",
    ],
  ] as const)("%s flags %#", (rule, mutate, message) => {
    expect(K8S_POLICY_RULES[rule](broken(mutate)).join("\n")).toContain(message);
  });

  it("flags a Deployment without HPA or PDB, and a Service without policies", () => {
    expect(K8S_POLICY_RULES["an HPA and a PDB for every Deployment"]([good()])).toEqual([
      "Deployment shop/web: no HorizontalPodAutoscaler (or a meshpilot.io/fixed-replicas-reason annotation)",
      "Deployment shop/web: no PodDisruptionBudget",
    ]);
    const fixed = good();
    const annotated = {
      ...fixed,
      metadata: {
        ...fixed.metadata,
        annotations: { "meshpilot.io/fixed-replicas-reason": "leader election" },
      },
    };
    expect(K8S_POLICY_RULES["an HPA and a PDB for every Deployment"]([annotated, pdb])).toEqual([]);
    expect(K8S_POLICY_RULES["an HPA and a PDB for every Deployment"]([annotated, hpa, pdb])).toEqual([
      "Deployment shop/web: has an HPA and a fixed-replicas reason; choose one",
    ]);
    const service: Manifest = {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "web", namespace: "shop" },
      spec: { selector: { app: "web" } },
    };
    expect(servicesProtected([service], ["shop"])).toEqual([
      "Service shop/web: no AuthorizationPolicy allows its callers",
      "Service shop/web: no NetworkPolicy selects its pods",
    ]);
  });
});
