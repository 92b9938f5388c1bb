import { ENVIRONMENTS, type EnvironmentConfig } from "../config/environments.js";
import { PROJECTS } from "../constructs/k8s/namespaces.js";
import type { Manifest } from "../constructs/k8s/schemas.js";
import { groupOf } from "./argo-projects.js";
import { synthArgoProjects, synthGitOpsTree, TREE_APPLICATIONS } from "./gitops-tree.js";

type Kind = { group: string; kind: string };
type ProjectSpec = {
  destinations: { namespace: string }[];
  clusterResourceWhitelist: Kind[];
  namespaceResourceWhitelist: Kind[];
  sourceRepos: string[];
};
const specOf = (p: Manifest) => p.spec as ProjectSpec;
const listed = (list: Kind[], m: Manifest) => list.some((k) => k.group === groupOf(m) && k.kind === m.kind);

/** Why a project would refuse to sync an object, or undefined if it admits it (Argo CD's own checks). */
function refusal(project: Manifest, m: Manifest): string | undefined {
  const spec = specOf(project);
  const where = `${project.metadata.name} refuses ${m.kind} ${m.metadata.namespace ?? "-"}/${m.metadata.name}`;
  if (m.metadata.namespace === undefined)
    return listed(spec.clusterResourceWhitelist, m)
      ? undefined
      : `${where}: kind not in clusterResourceWhitelist`;
  if (!spec.destinations.some((d) => d.namespace === m.metadata.namespace))
    return `${where}: namespace not a destination`;
  return listed(spec.namespaceResourceWhitelist, m)
    ? undefined
    : `${where}: kind not in namespaceResourceWhitelist`;
}

/** Every object of every directory is admitted by its Application's project. */
function refusals(projects: Manifest[], tree: Record<string, Manifest[]>): string[] {
  const byName = new Map(projects.map((p) => [p.metadata.name, p]));
  return [...TREE_APPLICATIONS, { name: "apps", project: PROJECTS.root }].flatMap((app) =>
    (tree[app.name] ?? []).flatMap((m) => refusal(byName.get(app.project) as Manifest, m) ?? []),
  );
}

/** A project that admits AppProject, or writes to argocd anything but Applications, can widen projects. */
function canChangeProjects(project: Manifest): boolean {
  const spec = specOf(project);
  return (
    spec.namespaceResourceWhitelist.some(
      (k) => k.group === "argoproj.io" && (k.kind === "AppProject" || k.kind === "*"),
    ) || spec.namespaceResourceWhitelist.some((k) => k.group === "*" || k.kind === "*")
  );
}

describe.each(ENVIRONMENTS.map((e) => [e.name, e] as [string, EnvironmentConfig]))(
  "Argo CD projects in %s",
  (_, env) => {
    const tree = synthGitOpsTree(env);
    const projects = synthArgoProjects(env, tree);
    const project = (name: string) => projects.find((p) => p.metadata.name === name) as Manifest;

    it("are three, none of them default, and none is in the tree Git syncs", () => {
      expect(projects.map((p) => p.metadata.name).sort()).toEqual(Object.values(PROJECTS).sort());
      expect(
        Object.values(tree)
          .flat()
          .filter((m) => m.kind === "AppProject"),
      ).toEqual([]);
    });

    it("admit every object of every directory, each in its Application's project", () => {
      expect(refusals(projects, tree)).toEqual([]);
      for (const app of tree.apps.filter((m) => m.kind === "Application"))
        expect((app.spec as { project: string }).project).toBe(
          TREE_APPLICATIONS.find((a) => a.name === app.metadata.name)?.project,
        );
    });

    it("the root may create Applications in argocd and nothing else, from the GitOps repository only", () => {
      const root = specOf(project(PROJECTS.root));
      expect(root.namespaceResourceWhitelist).toEqual([{ group: "argoproj.io", kind: "Application" }]);
      expect(root.clusterResourceWhitelist).toEqual([]);
      expect(root.destinations.map((d) => d.namespace)).toEqual(["argocd"]);
      expect(root.sourceRepos).toEqual([env.gitops.repoUrl]);
      for (const p of projects) expect(canChangeProjects(p)).toBe(false);
    });

    it("the shop's project reaches only its namespaces, with no cluster-wide RBAC or webhooks", () => {
      const shop = specOf(project(PROJECTS.shop));
      expect(shop.destinations.map((d) => d.namespace)).toEqual([
        "istio-ingress",
        "meshpilot-system",
        "shop",
      ]);
      expect(shop.clusterResourceWhitelist).toEqual([
        { group: "apiextensions.k8s.io", kind: "CustomResourceDefinition" },
      ]);
      expect(shop.namespaceResourceWhitelist.map((k) => k.kind)).not.toContain("Secret");
      expect(shop.sourceRepos).toEqual([env.gitops.repoUrl]);
    });
  },
);

describe("project checks catch what a project would refuse or what could widen one", () => {
  const env = ENVIRONMENTS[0];
  const tree = synthGitOpsTree(env);
  const projects = synthArgoProjects(env, tree);

  it("flags a ClusterRole added to the shop, a Secret written to kube-system, and an AppProject in apps", () => {
    const bad: Record<string, Manifest[]> = {
      ...tree,
      shop: [
        ...tree.shop,
        { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", metadata: { name: "shop-admin" } },
        { apiVersion: "v1", kind: "Secret", metadata: { name: "x", namespace: "kube-system" } },
      ],
      apps: [
        ...tree.apps,
        {
          apiVersion: "argoproj.io/v1alpha1",
          kind: "AppProject",
          metadata: { name: "wide", namespace: "argocd" },
        },
      ],
    };
    expect(refusals(projects, bad)).toEqual([
      "meshpilot-shop refuses ClusterRole -/shop-admin: kind not in clusterResourceWhitelist",
      "meshpilot-shop refuses Secret kube-system/x: namespace not a destination",
      "meshpilot-root refuses AppProject argocd/wide: kind not in namespaceResourceWhitelist",
    ]);
  });

  it("flags a project that admits AppProject or any kind", () => {
    const root = projects.find((p) => p.metadata.name === PROJECTS.root) as Manifest;
    const widened = (kind: Kind) => ({
      ...root,
      spec: {
        ...specOf(root),
        namespaceResourceWhitelist: [...specOf(root).namespaceResourceWhitelist, kind],
      },
    });
    expect(canChangeProjects(widened({ group: "argoproj.io", kind: "AppProject" }))).toBe(true);
    expect(canChangeProjects(widened({ group: "*", kind: "*" }))).toBe(true);
  });
});
