/**
 * The platform's workload policy, checked over the synthesized GitOps tree.
 *
 * Each rule returns violations naming the object, so a failure says what to fix;
 * test/k8s-policy.test.ts runs them over every environment and proves each one fires.
 */
import type { Manifest } from "../constructs/k8s/schemas.js";

type Obj = Record<string, any>;
const WORKLOAD_KINDS = ["Deployment", "StatefulSet"];

const id = (m: Manifest) => `${m.kind} ${m.metadata.namespace ?? "-"}/${m.metadata.name}`;
const workloads = (tree: Manifest[]) => tree.filter((m) => WORKLOAD_KINDS.includes(m.kind));
const podSpec = (m: Manifest): Obj => (m.spec as Obj)?.template?.spec ?? {};
const containers = (m: Manifest): Obj[] => [
  ...(podSpec(m).initContainers ?? []),
  ...(podSpec(m).containers ?? []),
];

/** The "restricted" Pod Security Standard, field by field (kubernetes.io/docs/concepts/security/pod-security-standards). */
export function restrictedProfile(tree: Manifest[]): string[] {
  const v: string[] = [];
  for (const m of workloads(tree)) {
    const pod = podSpec(m);
    const podCtx = pod.securityContext ?? {};
    if (pod.hostNetwork || pod.hostPID || pod.hostIPC) v.push(`${id(m)}: shares a host namespace`);
    if ((pod.volumes ?? []).some((vol: Obj) => vol.hostPath)) v.push(`${id(m)}: mounts a hostPath`);
    if (podCtx.seccompProfile?.type !== "RuntimeDefault" && podCtx.seccompProfile?.type !== "Localhost") {
      v.push(`${id(m)}: pod seccompProfile is not RuntimeDefault`);
    }
    for (const c of containers(m)) {
      const ctx = c.securityContext ?? {};
      const at = `${id(m)} container ${c.name}`;
      if (ctx.runAsNonRoot !== true && podCtx.runAsNonRoot !== true)
        v.push(`${at}: runAsNonRoot is not true`);
      if ((ctx.runAsUser ?? podCtx.runAsUser) === 0) v.push(`${at}: runs as UID 0`);
      if (ctx.allowPrivilegeEscalation !== false) v.push(`${at}: allowPrivilegeEscalation is not false`);
      if (ctx.privileged === true) v.push(`${at}: privileged`);
      if (JSON.stringify(ctx.capabilities?.drop ?? []) !== '["ALL"]')
        v.push(`${at}: capabilities do not drop ALL`);
      if ((ctx.capabilities?.add ?? []).some((cap: string) => cap !== "NET_BIND_SERVICE"))
        v.push(`${at}: adds capabilities`);
      if (ctx.readOnlyRootFilesystem !== true) v.push(`${at}: root filesystem is writable`);
      if ((c.ports ?? []).some((p: Obj) => p.hostPort)) v.push(`${at}: uses a hostPort`);
    }
  }
  return v;
}

export function resourcesSet(tree: Manifest[]): string[] {
  const v: string[] = [];
  for (const m of workloads(tree)) {
    for (const c of containers(m)) {
      for (const kind of ["requests", "limits"]) {
        for (const r of ["cpu", "memory"]) {
          if (!c.resources?.[kind]?.[r]) v.push(`${id(m)} container ${c.name}: no ${r} ${kind}`);
        }
      }
    }
  }
  return v;
}

export function probesSet(tree: Manifest[]): string[] {
  const v: string[] = [];
  for (const m of workloads(tree)) {
    for (const c of podSpec(m).containers ?? []) {
      for (const probe of ["readinessProbe", "livenessProbe", "startupProbe"]) {
        if (!c[probe]) v.push(`${id(m)} container ${c.name}: no ${probe}`);
      }
    }
  }
  return v;
}

export function pinnedImages(tree: Manifest[]): string[] {
  const v: string[] = [];
  for (const m of workloads(tree)) {
    for (const c of containers(m)) {
      const image = String(c.image ?? "");
      const lastSegment = image.split("/").pop() ?? "";
      const tag = lastSegment.includes("@") ? "digest" : lastSegment.split(":")[1];
      if (!tag) v.push(`${id(m)} container ${c.name}: image ${image} has no tag`);
      else if (tag === "latest") v.push(`${id(m)} container ${c.name}: image ${image} uses latest`);
    }
  }
  return v;
}

/** Every Deployment has an HPA targeting it (or a stated reason for a fixed count) and a PDB selecting its pods. */
export function autoscaledAndBudgeted(tree: Manifest[]): string[] {
  const v: string[] = [];
  for (const m of tree.filter((x) => x.kind === "Deployment")) {
    const ns = m.metadata.namespace;
    const hpa = tree.find(
      (x) =>
        x.kind === "HorizontalPodAutoscaler" &&
        x.metadata.namespace === ns &&
        (x.spec as Obj).scaleTargetRef?.kind === "Deployment" &&
        (x.spec as Obj).scaleTargetRef?.name === m.metadata.name,
    );
    // A leader-elected controller runs a fixed count on purpose, and must say why.
    const fixed = m.metadata.annotations?.["meshpilot.io/fixed-replicas-reason"];
    if (!hpa && !fixed)
      v.push(`${id(m)}: no HorizontalPodAutoscaler (or a meshpilot.io/fixed-replicas-reason annotation)`);
    if (hpa && fixed) v.push(`${id(m)}: has an HPA and a fixed-replicas reason; choose one`);
    if (hpa && (m.spec as Obj).replicas !== undefined)
      v.push(`${id(m)}: sets replicas although an HPA owns them`);
    const podLabels: Obj = podSpecLabels(m);
    const pdb = tree.find(
      (x) =>
        x.kind === "PodDisruptionBudget" &&
        x.metadata.namespace === ns &&
        Object.entries((x.spec as Obj).selector?.matchLabels ?? {}).every(([k, val]) => podLabels[k] === val),
    );
    if (!pdb) v.push(`${id(m)}: no PodDisruptionBudget`);
  }
  return v;
}

function podSpecLabels(m: Manifest): Obj {
  return (m.spec as Obj)?.template?.metadata?.labels ?? {};
}

/** Every Service in a mesh namespace is covered by an ALLOW AuthorizationPolicy and a NetworkPolicy selecting its pods. */
export function servicesProtected(tree: Manifest[], namespaces: string[]): string[] {
  const v: string[] = [];
  for (const svc of tree.filter(
    (x) => x.kind === "Service" && namespaces.includes(x.metadata.namespace ?? ""),
  )) {
    const selector: Obj = (svc.spec as Obj).selector ?? {};
    const selects = (matchLabels: Obj | undefined) =>
      Object.keys(matchLabels ?? {}).length > 0 &&
      Object.entries(matchLabels ?? {}).every(([k, val]) => selector[k] === val);
    const ns = svc.metadata.namespace;
    const authz = tree.some(
      (x) =>
        x.kind === "AuthorizationPolicy" &&
        x.metadata.namespace === ns &&
        (x.spec as Obj).action === "ALLOW" &&
        selects((x.spec as Obj).selector?.matchLabels),
    );
    const netpol = tree.some(
      (x) =>
        x.kind === "NetworkPolicy" &&
        x.metadata.namespace === ns &&
        selects((x.spec as Obj).podSelector?.matchLabels),
    );
    if (!authz) v.push(`${id(svc)}: no AuthorizationPolicy allows its callers`);
    if (!netpol) v.push(`${id(svc)}: no NetworkPolicy selects its pods`);
  }
  return v;
}

/** Every pod we run carries `app`: Istio's telemetry, Kiali and the log pipeline key on it. */
export function appLabelled(tree: Manifest[]): string[] {
  return workloads(tree)
    .filter((m) => !podSpecLabels(m).app)
    .map((m) => `${id(m)}: pods carry no 'app' label`);
}

/**
 * A namespace that runs our workloads is closed by default: a NetworkPolicy selecting every pod with
 * no ingress rule, and an AuthorizationPolicy with an empty spec (allow nothing).
 */
export function namespacesClosed(tree: Manifest[]): string[] {
  const v: string[] = [];
  const namespaces = new Set(workloads(tree).map((m) => m.metadata.namespace ?? "default"));
  for (const ns of [...namespaces].sort()) {
    const denies = tree.some((x) => {
      const spec = x.spec as Obj;
      return (
        x.kind === "NetworkPolicy" &&
        x.metadata.namespace === ns &&
        Object.keys(spec?.podSelector ?? { any: 1 }).length === 0 &&
        (spec.policyTypes ?? []).includes("Ingress") &&
        (spec.ingress ?? []).length === 0
      );
    });
    const allowsNothing = tree.some(
      (x) =>
        x.kind === "AuthorizationPolicy" &&
        x.metadata.namespace === ns &&
        Object.keys((x.spec as Obj) ?? {}).length === 0,
    );
    if (!denies) v.push(`namespace ${ns}: no default-deny NetworkPolicy`);
    if (!allowsNothing) v.push(`namespace ${ns}: no allow-nothing AuthorizationPolicy`);
  }
  return v;
}

export const K8S_POLICY_RULES = {
  "pods carry an app label": appLabelled,
  "namespaces closed by default": namespacesClosed,
  "restricted Pod Security profile": restrictedProfile,
  "requests and limits set": resourcesSet,
  "probes set": probesSet,
  "no latest or untagged image": pinnedImages,
  "an HPA and a PDB for every Deployment": autoscaledAndBudgeted,
} as const;
