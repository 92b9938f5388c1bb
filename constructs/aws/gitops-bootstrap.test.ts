import { testCluster } from "../../test/fixtures.js";
import { onlyResource, synthAws } from "../../test/synth.js";
import { ARGO_CD_CHART_VERSION, GitOpsBootstrap, type GitOpsBootstrapProps } from "./gitops-bootstrap.js";

const SOURCE = {
  repoUrl: "https://github.com/example-org/meshpilot.git",
  path: "dist/gitops/dev/apps",
  revision: "main",
};

function bootstrap(props: Partial<GitOpsBootstrapProps> = {}) {
  return synthAws((scope) => {
    const cluster = testCluster(scope);
    cluster.addNodeGroup("ng", { name: "general" });
    new GitOpsBootstrap(scope, "gitops", { cluster, region: "eu-west-1", source: SOURCE, ...props });
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
    const manifest = onlyResource(bootstrap(), "kubernetes_manifest").manifest as Application;
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

  it.each([
    [{ source: { ...SOURCE, repoUrl: "ftp://x" } }, "GitOpsBootstrap: 'source.repoUrl' is \"ftp://x\""],
    [{ source: { ...SOURCE, path: "/abs" } }, "'source.path' is \"/abs\" but must be a path relative"],
    [{ source: { ...SOURCE, revision: "" } }, "'source.revision' is \"\""],
    [{ chartVersion: "latest" }, "'chartVersion' is \"latest\" but must be an exact chart version"],
  ])("rejects %j", (props, message) => {
    expect(() => bootstrap(props)).toThrow(message);
  });
});
