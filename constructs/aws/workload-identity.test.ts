import { EksPodIdentityAssociation } from "@cdktf/provider-aws/lib/eks-pod-identity-association/index.js";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role/index.js";
import { testCluster } from "../../test/fixtures.js";
import { onlyResource, policyStatements, resources, synthAws } from "../../test/synth.js";
import {
  WorkloadIdentity,
  type WorkloadIdentityProps,
  workloadRoleArn,
  workloadRoleName,
} from "./workload-identity.js";

const S3_READ = [{ actions: ["s3:GetObject"], resources: ["arn:aws:s3:::bucket/*"] }];

function identity(props: Partial<WorkloadIdentityProps> = {}) {
  let roleArn = "";
  const out = synthAws((scope) => {
    const cluster = testCluster(scope);
    const wi = new WorkloadIdentity(scope, "wi", {
      cluster,
      namespace: "observability",
      serviceAccount: "loki",
      statements: S3_READ,
      ...props,
    });
    roleArn = wi.roleName;
  });
  const role = resources(out.json, "aws_iam_role").find((r) => r.name === roleArn);
  if (!role) throw new Error("role not found");
  return { ...out, role };
}

describe("WorkloadIdentity", () => {
  it("names roles deterministically, bounded to 64 characters", () => {
    expect(workloadRoleName("mp-dev", "observability", "loki")).toBe("mp-dev-observability-loki");
    const long = workloadRoleName("c".repeat(40), "n".repeat(30), "s".repeat(30));
    expect(long).toHaveLength(64);
    expect(long).toBe(workloadRoleName("c".repeat(40), "n".repeat(30), "s".repeat(30)));
    expect(workloadRoleArn("123456789012", "mp-dev", "shop", "cart")).toBe(
      "arn:aws:iam::123456789012:role/mp-dev-shop-cart",
    );
  });

  it("trusts only the one service account through Pod Identity by default", () => {
    const { json, role, text } = identity();
    expect(role.name).toBe("mp-test-observability-loki");
    const [trust] = policyStatements(json, role.assume_role_policy);
    expect(trust.actions).toEqual(["sts:AssumeRole", "sts:TagSession"]);
    expect(trust.principals).toEqual([{ type: "Service", identifiers: ["pods.eks.amazonaws.com"] }]);
    expect(trust.condition).toEqual(
      expect.arrayContaining([
        { test: "StringEquals", variable: "aws:RequestTag/eks-cluster-name", values: ["mp-test"] },
        { test: "StringEquals", variable: "aws:RequestTag/kubernetes-namespace", values: ["observability"] },
        { test: "StringEquals", variable: "aws:RequestTag/kubernetes-service-account", values: ["loki"] },
      ]),
    );
    expect(text).toHaveResourceWithProperties(EksPodIdentityAssociation, {
      namespace: "observability",
      service_account: "loki",
    });
  });

  it("pins sub and aud for IRSA", () => {
    const { json, role } = identity({ mechanism: "irsa" });
    const [trust] = policyStatements(json, role.assume_role_policy);
    expect(trust.actions).toEqual(["sts:AssumeRoleWithWebIdentity"]);
    const conditions = trust.condition as { variable: string; values: string[] }[];
    expect(conditions.find((c) => c.variable.endsWith(":sub"))?.values).toEqual([
      "system:serviceaccount:observability:loki",
    ]);
    expect(conditions.find((c) => c.variable.endsWith(":aud"))?.values).toEqual(["sts.amazonaws.com"]);
    // The test cluster's own identities bind through add-ons, so any association here would be ours.
    expect(resources(json, "aws_eks_pod_identity_association")).toHaveLength(0);
  });

  it("writes its statements as an inline policy", () => {
    const { json } = identity();
    const policy = resources(json, "aws_iam_role_policy").find((p) => p.name === "workload");
    expect(policyStatements(json, policy?.policy)).toEqual([
      expect.objectContaining({
        effect: "Allow",
        actions: ["s3:GetObject"],
        resources: ["arn:aws:s3:::bucket/*"],
      }),
    ]);
  });

  it("creates one association per pod-identity role unless told not to", () => {
    const withAssoc = identity();
    const count = (json: typeof withAssoc.json) =>
      resources(json, EksPodIdentityAssociation.tfResourceType).length;
    const without = identity({ createAssociation: false });
    expect(count(withAssoc.json) - count(without.json)).toBe(1);
    expect(withAssoc.text).toHaveResource(IamRole);
    expect(onlyResource(withAssoc.json, "aws_eks_cluster").name).toBe("mp-test");
  });

  describe("validation", () => {
    it.each([
      [
        { statements: [{ actions: ["*"], resources: ["*"] }] },
        "statements[0]' is",
        'grants Action "*" on Resource "*"',
      ],
      [
        { statements: [{ actions: [], resources: ["*"] }] },
        "'statements[0].actions' is []",
        "must name at least one",
      ],
      [{ statements: [] }, "'statements' is []", "needs at least one permission"],
      [{ namespace: "Bad_NS" }, "'namespace' is \"Bad_NS\"", "must be a Kubernetes DNS label"],
      [{ serviceAccount: "-x" }, "'serviceAccount' is \"-x\"", "must be a Kubernetes DNS label"],
      [{ mechanism: "kiam" as never }, "'mechanism' is \"kiam\"", 'must be "irsa" or "pod-identity"'],
    ])("rejects %j", (props, part1, part2) => {
      expect(() => identity(props)).toThrow(part1);
      expect(() => identity(props)).toThrow(part2);
    });
  });
});
