import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { App, Yaml } from "cdk8s";
import { OVERRIDES_ANNOTATION } from "../api/intent/overrides.js";
import { INTENT_GROUP, INTENT_KIND, type TrafficIntent } from "../api/intent/schema.js";
import { checkPosture, type EnvironmentConfig } from "../config/environments.js";
import { imageNames, SHOP_SERVICES, type ShopService } from "../config/shop.js";
import { NAMESPACES, PROJECTS, SHOP_APPLICATION } from "../constructs/k8s/namespaces.js";
import { type Manifest, validateManifest } from "../constructs/k8s/schemas.js";
import { ADDONS_NAMESPACE, AddonsChart } from "./addons-chart.js";
import { argoProjects } from "./argo-projects.js";
import { GitOpsChart, type OptimizerOwnedObject, type TreeApplication } from "./gitops-chart.js";
import { MeshChart } from "./mesh-chart.js";
import { ObservabilityChart } from "./observability-chart.js";
import { OptimizerChart } from "./optimizer-chart.js";
import { autoscaledHpas } from "./optimizer-intents.js";
import { ShopChart } from "./shop-chart.js";

/** The chart directories, in sync order. `apps` (the Applications themselves) is synced by the root. */
export const TREE_APPLICATIONS: readonly TreeApplication[] = [
  // Add-ons first: the gateway's Service needs the load balancer controller to get its NLB.
  { name: "addons", wave: 0, namespace: ADDONS_NAMESPACE, project: PROJECTS.platform },
  { name: "mesh", wave: 1, namespace: NAMESPACES.istioSystem, project: PROJECTS.platform },
  { name: "observability", wave: 2, namespace: NAMESPACES.observability, project: PROJECTS.platform },
  { name: SHOP_APPLICATION.name, wave: 3, namespace: NAMESPACES.shop, project: PROJECTS.shop },
  {
    name: "optimizer",
    wave: 4,
    namespace: NAMESPACES.optimizer,
    project: PROJECTS.shop,
    // `paused` is the operator's brake, pulled with kubectl in an incident, and the routing
    // overrides annotation is the AIOps layer's (or a person's) limit on the routing: self-heal
    // must release neither. Git sets `paused` at creation; every other intent field stays Git's.
    ignoreDifferences: [
      {
        group: INTENT_GROUP,
        kind: INTENT_KIND,
        jqPathExpressions: [".spec.paused", `.metadata.annotations["${OVERRIDES_ANNOTATION}"]`],
      },
    ],
  },
];
export const APPS_DIRECTORY = "apps";

/** Kinds whose routing the optimizer writes (weights, load balancing, outlier detection, retries). */
const OPTIMIZER_ROUTING_KINDS = ["VirtualService", "DestinationRule"];

/** Every manifest of one environment's tree, by application directory, validated against upstream schemas. */
export function synthGitOpsTree(
  env: EnvironmentConfig,
  services: readonly ShopService[] = SHOP_SERVICES,
): Record<string, Manifest[]> {
  // The same posture check the AWS app runs: a tree for a production that would fail there fails here too.
  const { errors } = checkPosture(env);
  if (errors.length > 0) throw new Error(`configuration rejected:\n  ${errors.join("\n  ")}`);
  checkImageDigests(env, services);
  checkVersionImages(env, services);
  const app = new App();
  const charts = {
    addons: new AddonsChart(app, "addons", { env }),
    mesh: new MeshChart(app, "mesh"),
    observability: new ObservabilityChart(app, "observability", { env, services }),
    shop: new ShopChart(app, "shop", { env, services }),
    optimizer: new OptimizerChart(app, "optimizer", { env, services }),
  };
  const tree: Record<string, Manifest[]> = Object.fromEntries(
    Object.entries(charts).map(([name, chart]) => [name, chart.toJson() as Manifest[]]),
  );
  const optimizerOwned: OptimizerOwnedObject[] = tree.shop
    .filter(
      (m) =>
        OPTIMIZER_ROUTING_KINDS.includes(m.kind) &&
        m.metadata.labels?.["app.kubernetes.io/part-of"] === "meshpilot-shop",
    )
    .map((m) => ({
      group: m.apiVersion.split("/")[0],
      kind: m.kind,
      name: m.metadata.name,
      namespace: m.metadata.namespace ?? NAMESPACES.shop,
    }));
  const gitops = new GitOpsChart(app, APPS_DIRECTORY, {
    env,
    treePath: dirname(env.gitops.path),
    applications: TREE_APPLICATIONS,
    optimizerOwned,
    autoscaledHpas: autoscaledHpas(
      tree.optimizer.filter((m) => m.kind === INTENT_KIND) as unknown as TrafficIntent[],
    ),
  });
  tree[APPS_DIRECTORY] = gitops.toJson() as Manifest[];
  for (const manifests of Object.values(tree)) for (const m of manifests) validateManifest(m);
  return tree;
}

/**
 * The environment's Argo CD projects, sized to its tree and validated; Terraform creates them with
 * Argo CD (GitOpsBootstrap), so they are not in the tree Argo CD syncs.
 */
export function synthArgoProjects(env: EnvironmentConfig, tree = synthGitOpsTree(env)): Manifest[] {
  const projects = argoProjects(env, tree, TREE_APPLICATIONS);
  for (const p of projects) validateManifest(p);
  return projects;
}

/** `<namespace>.<kind>.<name>.yaml`, or `<kind>.<name>.yaml` for cluster-scoped objects: stable, no hashes. */
export function manifestFileName(m: Manifest): string {
  const kind = m.kind.toLowerCase();
  return m.metadata.namespace
    ? `${m.metadata.namespace}.${kind}.${m.metadata.name}.yaml`
    : `${kind}.${m.metadata.name}.yaml`;
}

/** Writes `<outdir>/<env>/<application>/<file>`, one file per object; returns the files written. */
export function writeGitOpsTree(
  outdir: string,
  env: EnvironmentConfig,
  tree: Record<string, Manifest[]>,
): string[] {
  return writeEnvironmentTree(join(outdir, env.name), tree);
}

/** Replaces `envDir` with `<application>/<file>`, one file per object; returns the files written. */
export function writeEnvironmentTree(envDir: string, tree: Record<string, Manifest[]>): string[] {
  rmSync(envDir, { recursive: true, force: true });
  const written: string[] = [];
  for (const [application, manifests] of Object.entries(tree)) {
    const dir = join(envDir, application);
    mkdirSync(dir, { recursive: true });
    const seen = new Set<string>();
    for (const m of manifests) {
      const file = manifestFileName(m);
      if (seen.has(file))
        throw new Error(`gitops tree: two objects in '${application}' would both be written to ${file}`);
      seen.add(file);
      writeFileSync(join(dir, file), Yaml.stringify(m));
      written.push(join(dir, file));
    }
  }
  return written.sort();
}

/** Pinned images are all pinned: one left on its tag would deploy whatever that tag points at now. */
function checkImageDigests(env: EnvironmentConfig, services: readonly ShopService[]): void {
  const digests = env.shop.imageDigests;
  if (!digests) return;
  const names = imageNames(services);
  const unknown = Object.keys(digests).filter((n) => !names.includes(n));
  if (unknown.length > 0)
    throw new Error(
      `env '${env.name}' shop.imageDigests names ${unknown.map((n) => `'${n}'`).join(", ")}, which no image is; the images are ${names.join(", ")}`,
    );
  const missing = names.filter((n) => digests[n] === undefined);
  if (missing.length > 0)
    throw new Error(
      `env '${env.name}' shop.imageDigests has no digest for ${missing.join(", ")}; pin every image or none`,
    );
}

/** A held image names a service the shop has; MeshService checks the version. */
function checkVersionImages(env: EnvironmentConfig, services: readonly ShopService[]): void {
  const held = Object.keys(env.shop.versionImages ?? {}).filter((n) => !services.some((s) => s.name === n));
  if (held.length > 0)
    throw new Error(
      `env '${env.name}' shop.versionImages names ${held.map((n) => `'${n}'`).join(", ")}, which is not a shop service; the services are ${services.map((s) => s.name).join(", ")}`,
    );
}
