import { testCluster } from "../../test/fixtures.js";
import { onlyResource, synthAws } from "../../test/synth.js";
import { ARGO_CD_CHART_VERSION, GitOpsBootstrap, type GitOpsBootstrapProps } from "./gitops-bootstrap.js";

const SOURCE = {
  repoUrl: "https://github.com/example-org/meshpilot.git",
  path: "dist/gitops/dev/apps",
  revision: "main",
};

const ROOT_PROJECT = {
  apiVersion: "argoproj.io/v1alpha1",
  kind: "AppProject",
  metadata: { name: "root", namespace: "argocd" },
  spec: { namespaceResourceWhitelist: [{ group: "argoproj.io", kind: "Application" }] },
};
const SSO = {
  issuer: "https://login.example.com",
  clientId: "argocd",
  clientSecret: { name: "argocd-oidc", key: "client-secret" },
  adminGroups: ["platform"],
  readonlyGroups: ["developers"],
};

function bootstrap(props: Partial<GitOpsBootstrapProps> = {}) {
  return synthAws((scope) => {
    const cluster = testCluster(scope);
    cluster.addNodeGroup("ng", { name: "general" });
    new GitOpsBootstrap(scope, "gitops", {
      cluster,
      region: "eu-west-1",
      source: SOURCE,
      projects: [ROOT_PROJECT],
      rootProject: "root",
      access: { url: "https://argocd.example.com", sso: SSO },
      ...props,
    });
  }).json;
}

describe("GitOpsBootstrap", () => {
  it("installs Argo CD from the pinned chart with hardened values", () => {
    const json = bootstrap();
    const release = onlyResource(json, "helm_release");
    expect(release).toEqual(
      expect.objectContaining({
        chart: "argo-cd",
        repository: "https://argoproj.github.io/argo-helm",
        version: ARGO_CD_CHART_VERSION,
        namespace: "argocd",
        atomic: true,
      }),
    );
    const values = JSON.parse((release.values as string[])[0]);
    expect(values.server.service.type).toBe("ClusterIP");
    expect(values.server.ingress.enabled).toBe(false);
    expect(values.configs.params["server.insecure"]).toBe(false);
    expect(values.configs.cm["admin.enabled"]).toBe(false);
    expect(values.configs.cm["resource.customizations.health.argoproj.io_Application"]).toContain(
      "obj.status.health.status",
    );
    for (const component of ["server", "controller", "repoServer", "applicationSet", "redis"]) {
      expect(values[component].resources.requests).toEqual({
        cpu: expect.any(String),
        memory: expect.any(String),
      });
      expect(values[component].resources.limits).toEqual({
        cpu: expect.any(String),
        memory: expect.any(String),
      });
    }
    expect(release.depends_on).toEqual([expect.stringMatching(/^aws_eks_node_group\./)]);
  });

  it("configures Helm and Kubernetes from the cluster with exec auth", () => {
    const json = bootstrap();
    const providers = json.provider as Record<string, Record<string, unknown>[]>;
    const helm = providers.helm[0];
    const kubernetes = helm.kubernetes as Record<string, unknown>;
    expect(kubernetes.host).toMatch(/aws_eks_cluster\..+\.endpoint/);
    expect(kubernetes.cluster_ca_certificate).toMatch(/base64decode\(aws_eks_cluster\./);
    expect(kubernetes.exec).toEqual({
      api_version: "client.authentication.k8s.io/v1beta1",
      command: "aws",
      args: ["eks", "get-token", "--cluster-name", "mp-test", "--region", "eu-west-1", "--output", "json"],
    });
    const k8s = providers.kubernetes[0];
    expect(k8s.exec).toEqual([expect.objectContaining({ command: "aws" })]);
    expect(k8s.token).toBeUndefined();
  });

  it("creates the root app-of-apps pointing at the GitOps tree", () => {
    type Application = {
      kind: string;
      metadata: object;
      spec: { source: object; syncPolicy: { automated: object } };
    };
    const json = bootstrap();
    const manifests = Object.values(json.resource?.kubernetes_manifest ?? {});
    const manifest = manifests.find((m) => (m.manifest as Application).kind === "Application")
      ?.manifest as Application & { spec: { project: string } };
    expect(manifest.spec.project).toBe("root");
    expect(manifest.kind).toBe("Application");
    expect(manifest.metadata).toEqual(expect.objectContaining({ name: "root", namespace: "argocd" }));
    expect(manifest.spec.source).toEqual({
      repoURL: SOURCE.repoUrl,
      path: SOURCE.path,
      targetRevision: "main",
      directory: { recurse: true },
    });
    expect(manifest.spec.syncPolicy.automated).toEqual({ prune: true, selfHeal: true });
  });

  it("creates the projects with Argo CD, and the root Application only after them", () => {
    const json = bootstrap();
    const manifests = json.resource?.kubernetes_manifest ?? {};
    const [projectName] = Object.keys(manifests).filter((k) => /Project-root/.test(k));
    expect((manifests[projectName].manifest as { kind: string }).kind).toBe("AppProject");
    const root = Object.values(manifests).find(
      (m) => (m.manifest as { kind: string }).kind === "Application",
    );
    expect(root?.depends_on).toEqual(expect.arrayContaining([`kubernetes_manifest.${projectName}`]));
  });

  it("registers OCI chart registries with Argo CD, without credentials", () => {
    const manifests = Object.values(
      bootstrap({ ociHelmRepositories: ["public.ecr.aws/karpenter"] }).resource?.kubernetes_manifest ?? {},
    ).map((m) => m.manifest as { kind: string; metadata: { labels?: object }; stringData?: object });
    const secret = manifests.find((m) => m.kind === "Secret");
    expect(secret?.metadata.labels).toEqual({ "argocd.argoproj.io/secret-type": "repository" });
    expect(secret?.stringData).toEqual({
      type: "helm",
      name: "public.ecr.aws/karpenter",
      url: "public.ecr.aws/karpenter",
      enableOCI: "true",
    });
  });

  it("signs people in through OIDC only, with roles from their groups and nothing for anyone else", () => {
    const values = JSON.parse((onlyResource(bootstrap(), "helm_release").values as string[])[0]);
    expect(values.configs.cm.url).toBe("https://argocd.example.com");
    expect(JSON.parse(values.configs.cm["oidc.config"])).toEqual({
      name: "SSO",
      issuer: "https://login.example.com",
      clientID: "argocd",
      clientSecret: "$argocd-oidc:client-secret",
      requestedScopes: ["openid", "profile", "email", "groups"],
    });
    expect(values.configs.rbac).toEqual({
      "policy.default": "",
      "policy.csv": "g, platform, role:admin\ng, developers, role:readonly",
      scopes: "[groups]",
    });
    expect(values.dex.enabled).toBe(false);
  });

  it("runs one of each component by default and two, with Redis HA, when highly available", () => {
    const values = (access: object) =>
      JSON.parse(
        (onlyResource(bootstrap({ access: access as never }), "helm_release").values as string[])[0],
      );
    const single = values({ url: "https://argocd.example.com" });
    expect(single.controller.replicas).toBe(1);
    expect(single["redis-ha"].enabled).toBe(false);
    expect(single.configs.cm["oidc.config"]).toBeUndefined();
    const ha = values({ url: "https://argocd.example.com", sso: SSO, highAvailability: true });
    for (const component of ["server", "controller", "repoServer", "applicationSet"])
      expect(ha[component].replicas).toBe(2);
    expect(ha.controller.dynamicClusterDistribution).toBe(true);
    expect(ha["redis-ha"].enabled).toBe(true);
  });

  it.each([
    [{ source: { ...SOURCE, repoUrl: "ftp://x" } }, "GitOpsBootstrap: 'source.repoUrl' is \"ftp://x\""],
    [{ source: { ...SOURCE, path: "/abs" } }, "'source.path' is \"/abs\" but must be a path relative"],
    [{ source: { ...SOURCE, revision: "" } }, "'source.revision' is \"\""],
    [{ chartVersion: "latest" }, "'chartVersion' is \"latest\" but must be an exact chart version"],
    [{ rootProject: "nope" }, "'rootProject' is \"nope\" but must name one of the projects given (root)"],
    [
      { rootProject: "default", projects: [{ ...ROOT_PROJECT, metadata: { name: "default" } }] },
      "'rootProject' is \"default\" but must not be 'default'",
    ],
    [{ access: { url: "http://argocd" } }, "'access.url' is \"http://argocd\" but must be the https:// URL"],
    [
      { access: { url: "https://argocd.example.com", sso: { ...SSO, adminGroups: [] } } },
      "'access.sso.adminGroups' is [] but must name at least one group",
    ],
    [
      { access: { url: "https://argocd.example.com", sso: { ...SSO, readonlyGroups: ["a, role:admin"] } } },
      "must not contain a comma or a line break",
    ],
  ])("rejects %j", (props, message) => {
    expect(() => bootstrap(props)).toThrow(message);
  });
});
