import { ENVIRONMENTS, type EnvironmentConfig } from "../config/environments.js";
import { buildPlatformApp } from "./app.js";

const dev = ENVIRONMENTS[0];
const build = (change: Partial<EnvironmentConfig>) => () =>
  buildPlatformApp({ environments: [{ ...dev, ...change }], outdir: "/tmp/meshpilot-unused" });

describe("a construct's refusal names the environment and the key the user edited", () => {
  it.each([
    [{ vpcCidr: "10.10.0.0/33" }, "environment 'dev', key 'vpcCidr': Network: 'cidr' is \"10.10.0.0/33\""],
    [
      { kubernetesVersion: "1.20" },
      "environment 'dev', key 'kubernetesVersion': EksCluster: 'kubernetesVersion' is \"1.20\"",
    ],
    [
      { nodeGroups: [{ name: "general", minSize: 5, maxSize: 2 }] },
      "environment 'dev', key 'nodeGroups[name=general].",
    ],
    [
      { argocd: { ...dev.argocd, url: "http://argocd" } },
      "environment 'dev', key 'argocd.url': GitOpsBootstrap: 'access.url' is \"http://argocd\"",
    ],
  ])("%j", (change, message) => {
    expect(build(change as Partial<EnvironmentConfig>)).toThrow(message);
  });
});
