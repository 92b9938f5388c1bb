import { checkPosture, ENVIRONMENTS, type EnvironmentConfig } from "./environments.js";

const prod = ENVIRONMENTS.find((e) => e.tier === "production") as EnvironmentConfig;
const dev = ENVIRONMENTS.find((e) => e.tier === "development") as EnvironmentConfig;

describe("environment posture", () => {
  it("defines dev and prod, both clean", () => {
    expect(ENVIRONMENTS.map((e) => e.name)).toEqual(["dev", "prod"]);
    for (const env of ENVIRONMENTS) expect(checkPosture(env)).toEqual({ errors: [], warnings: [] });
  });

  it("lets dev be cheap", () => {
    expect(dev.natGateways).toBe("single");
    expect(checkPosture({ ...dev, availabilityZones: dev.availabilityZones.slice(0, 2) }).errors).toEqual([]);
  });

  it.each([
    [{ natGateways: "none" as const }, '\'natGateways\' is "none" but production needs "one-per-az"'],
    [
      { availabilityZones: ["eu-west-1a", "eu-west-1b"] },
      "'availabilityZones' has 2 zones but production needs at least 3",
    ],
    [{ clusterDeletionProtection: false }, "'clusterDeletionProtection' is false"],
    [{ account: "12345" }, "'account' is \"12345\" but must be a 12-digit AWS account id"],
    [
      { gitops: { ...prod.gitops, promotion: "push" as const } },
      "'gitops.promotion' is \"push\" but production releases must arrive as a reviewed pull request",
    ],
    [
      { monitoring: { alertReceivers: prod.monitoring?.alertReceivers } },
      "'monitoring.prometheusReplicas' is 1 but production needs 2",
    ],
    [{ monitoring: { prometheusReplicas: 2 } }, "'monitoring.alertReceivers' is not set"],
    [{ argocd: { url: prod.argocd.url } }, "'argocd.sso' is not set but production needs sign-in"],
    [{ argocd: { ...prod.argocd, highAvailability: false } }, "'argocd.highAvailability' is false"],
    [
      {
        monitoring: {
          prometheusReplicas: 2,
          alertReceivers: {
            critical: { type: "webhook" as const, url: "http://oncall.example.com/hook" },
            warning: { type: "webhook" as const, url: "https://oncall.example.com/hook" },
          },
        },
      },
      "'monitoring.alertReceivers.critical.url' is \"http://oncall.example.com/hook\" but must be an https:// URL",
    ],
    [{ monitoring: { ...prod.monitoring, prometheusReplicas: 1.5 } }, "must be a whole number from 1 to 5"],
  ])("refuses prod with %j", (change, message) => {
    expect(checkPosture({ ...prod, ...change }).errors.join("\n")).toContain(message);
  });

  it("warns when dev's alerts would reach nobody", () => {
    expect(checkPosture({ ...dev, monitoring: {} }).warnings).toEqual([
      "environment 'dev': no 'monitoring.alertReceivers'; alerts fire but reach nobody",
    ]);
  });

  it.each([
    [{ publicAccessCidrs: ["203.0.113.0/24"] }, "the API endpoint is public to 203.0.113.0/24"],
    [{ logRetentionDays: 30 }, "'logRetentionDays' is 30"],
    [
      { nodeGroups: [{ name: "spot", capacityType: "SPOT" as const, minSize: 1 }] },
      "node group 'spot' runs on SPOT capacity only",
    ],
    [{ nodeGroups: [{ name: "small", minSize: 1 }] }, "node group 'small' can shrink below 2 nodes"],
    [{ nodeGroups: [{ name: "imds", metadataHopLimit: 2 as const }] }, "lets pods reach IMDS (hop limit 2)"],
  ])("warns on prod with %j", (change, message) => {
    expect(checkPosture({ ...prod, ...change }).warnings.join("\n")).toContain(message);
  });
});
