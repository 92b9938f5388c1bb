import { testCluster } from "../../test/fixtures.js";
import { policyStatements, resources, synthAws } from "../../test/synth.js";
import { KARPENTER_DISCOVERY_TAG, karpenterNames } from "./addon-names.js";
import { Karpenter } from "./karpenter.js";

function karpenter(nodeSubnetIds = ["subnet-a", "subnet-b"]) {
  const { json } = synthAws((scope) => {
    new Karpenter(scope, "Karpenter", { cluster: testCluster(scope), nodeSubnetIds });
  });
  return json;
}

describe("Karpenter", () => {
  const json = karpenter();
  const statements = () => {
    const policy = resources(json, "aws_iam_role_policy").find((p) =>
      String(p.role).includes("Karpenter_Identity"),
    );
    return policyStatements(json, policy?.policy);
  };

  it("gives its nodes their own role, admitted to the cluster as EC2 Linux nodes", () => {
    const role = resources(json, "aws_iam_role").find((r) => r.name === karpenterNames("mp-test").nodeRole);
    expect(role?.name).toBe("mp-test-karpenter-node");
    const entry = resources(json, "aws_eks_access_entry").find((e) => e.type === "EC2_LINUX");
    expect(entry?.principal_arn).toMatch(/aws_iam_role\..*NodeRole.*\.arn/);
  });

  it("tags the node subnets and the cluster security group for discovery", () => {
    const tags = resources(json, "aws_ec2_tag");
    expect(tags.map((t) => t.resource_id)).toEqual([
      expect.stringMatching(/vpc_config\[0\]\.cluster_security_group_id/),
      "subnet-a",
      "subnet-b",
    ]);
    for (const t of tags) expect(t).toMatchObject({ key: KARPENTER_DISCOVERY_TAG, value: "mp-test" });
  });

  it("feeds an encrypted interruption queue from the four EventBridge warnings, over TLS only", () => {
    const [queue] = resources(json, "aws_sqs_queue");
    expect(queue).toMatchObject({ name: "mp-test-karpenter", sqs_managed_sse_enabled: true });
    expect(resources(json, "aws_cloudwatch_event_rule")).toHaveLength(4);
    expect(
      resources(json, "aws_cloudwatch_event_target").every((t) => String(t.arn).includes("aws_sqs_queue")),
    ).toBe(true);
    const policy = resources(json, "aws_sqs_queue_policy")[0];
    expect(policyStatements(json, policy.policy).find((s) => s.sid === "DenyWithoutTls")?.effect).toBe(
      "Deny",
    );
  });

  it("lets the controller launch, tag and terminate only what carries this cluster's tags", () => {
    const byId = Object.fromEntries(statements().map((s) => [s.sid, s]));
    for (const sid of [
      "LaunchFromOwnTemplates",
      "CreateTagged",
      "TagOnCreate",
      "TagOwnInstances",
      "DeleteOwn",
    ]) {
      expect(byId[sid].condition).toContainEqual(
        expect.objectContaining({
          variable: expect.stringMatching(/kubernetes\.io\/cluster\/mp-test$/),
          values: ["owned"],
        }),
      );
    }
    expect(byId.PassNodeRole.resources).toEqual([expect.stringMatching(/NodeRole.*\.arn/)]);
    expect(byId.PassNodeRole.condition).toEqual([
      { test: "StringEquals", variable: "iam:PassedToService", values: ["ec2.amazonaws.com"] },
    ]);
    expect(byId.DiscoverApiServer.resources).toEqual([expect.stringMatching(/:cluster\/mp-test$/)]);
    const pod = resources(json, "aws_eks_pod_identity_association")[0];
    expect(pod).toMatchObject({ namespace: "kube-system", service_account: "karpenter" });
  });

  it("rejects fewer than two subnets", () => {
    expect(() => karpenter(["subnet-a"])).toThrow(
      "Karpenter: 'nodeSubnetIds' is [\"subnet-a\"] but must hold at least two subnets",
    );
  });
});
