import { EksAccessPolicyAssociation } from "@cdktf/provider-aws/lib/eks-access-policy-association/index.js";
import { EksCluster as EksClusterResource } from "@cdktf/provider-aws/lib/eks-cluster/index.js";
import { IamOpenidConnectProvider } from "@cdktf/provider-aws/lib/iam-openid-connect-provider/index.js";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key/index.js";
import { testCluster } from "../../test/fixtures.js";
import { onlyResource, resources, synthAws } from "../../test/synth.js";
import { CONTROL_PLANE_LOG_TYPES, type EksClusterProps } from "./eks-cluster.js";

function cluster(props: Partial<EksClusterProps> = {}, withNodes = false) {
  let command = "";
  const out = synthAws((scope) => {
    const c = testCluster(scope, props);
    if (withNodes) c.addNodeGroup("system", { name: "system" });
    command = c.kubeconfigCommand("eu-west-1");
  });
  return { ...out, eks: onlyResource(out.json, "aws_eks_cluster"), command };
}

describe("EksCluster", () => {
  it("has a private endpoint only, by default", () => {
    const { eks } = cluster();
    expect(eks.vpc_config).toEqual({
      subnet_ids: ["subnet-x", "subnet-y"],
      endpoint_private_access: true,
      endpoint_public_access: false,
    });
  });

  it("opens the public endpoint only to the CIDRs given", () => {
    const { eks } = cluster({ publicAccessCidrs: ["203.0.113.0/24"] });
    expect(eks.vpc_config).toEqual(
      expect.objectContaining({ endpoint_public_access: true, public_access_cidrs: ["203.0.113.0/24"] }),
    );
  });

  it("encrypts secrets with a rotating KMS key", () => {
    const { eks, text } = cluster();
    expect(eks.encryption_config).toEqual({
      provider: { key_arn: expect.stringMatching(/aws_kms_key\..+\.arn/) },
      resources: ["secrets"],
    });
    expect(text).toHaveResourceWithProperties(KmsKey, {
      enable_key_rotation: true,
      deletion_window_in_days: 30,
    });
  });

  it("ships all five control-plane logs into a log group it creates first", () => {
    const { eks, json } = cluster();
    expect(eks.enabled_cluster_log_types).toEqual([
      "api",
      "audit",
      "authenticator",
      "controllerManager",
      "scheduler",
    ]);
    expect(CONTROL_PLANE_LOG_TYPES).toHaveLength(5);
    const group = onlyResource(json, "aws_cloudwatch_log_group");
    expect(group).toEqual(
      expect.objectContaining({ name: "/aws/eks/mp-test/cluster", retention_in_days: 90 }),
    );
    expect(String(group.kms_key_id)).toMatch(/aws_kms_key/);
    expect((eks.depends_on as string[]).some((d) => d.startsWith("aws_cloudwatch_log_group."))).toBe(true);
  });

  it("uses API access entries and gives the creator nothing", () => {
    const { eks, text } = cluster({ adminPrincipalArns: ["arn:aws:iam::123456789012:role/platform-admin"] });
    expect(eks.access_config).toEqual({
      authentication_mode: "API",
      bootstrap_cluster_creator_admin_permissions: false,
    });
    expect(text).toHaveResourceWithProperties(EksAccessPolicyAssociation, {
      policy_arn: expect.stringMatching(/:eks::aws:cluster-access-policy\/AmazonEKSClusterAdminPolicy$/),
      access_scope: { type: "cluster" },
    });
  });

  it("gives viewers the view policy only", () => {
    const { text } = cluster({ viewerPrincipalArns: ["arn:aws:iam::123456789012:role/ci-plan"] });
    expect(text).toHaveResourceWithProperties(EksAccessPolicyAssociation, {
      policy_arn: expect.stringMatching(/:eks::aws:cluster-access-policy\/AmazonEKSViewPolicy$/),
      access_scope: { type: "cluster" },
    });
    expect(text).not.toHaveResourceWithProperties(EksAccessPolicyAssociation, {
      policy_arn: expect.stringMatching(/AmazonEKSClusterAdminPolicy$/),
    });
  });

  it("puts group principals in their Kubernetes groups with no access policy, so the tree's RBAC decides", () => {
    const arn = "arn:aws:iam::123456789012:role/ci-rollout";
    const { json } = cluster({
      groupPrincipals: [{ principalArn: arn, groups: ["meshpilot:rollout-readers"] }],
    });
    const entry = resources(json, "aws_eks_access_entry").find((e) => e.principal_arn === arn);
    expect(entry).toMatchObject({ kubernetes_groups: ["meshpilot:rollout-readers"], type: "STANDARD" });
    expect(resources(json, "aws_eks_access_policy_association")).toHaveLength(0);
  });

  it("has an OIDC provider for IRSA and the Pod Identity agent", () => {
    const { json, text } = cluster();
    expect(text).toHaveResourceWithProperties(IamOpenidConnectProvider, {
      client_id_list: ["sts.amazonaws.com"],
    });
    const addons = resources(json, "aws_eks_addon").map((a) => a.addon_name);
    expect(addons.sort()).toEqual([
      "aws-ebs-csi-driver",
      "coredns",
      "eks-pod-identity-agent",
      "kube-proxy",
      "vpc-cni",
    ]);
  });

  it("gives vpc-cni (IRSA) and the EBS CSI driver (Pod Identity) their own roles", () => {
    const { json } = cluster();
    const addon = (name: string) => resources(json, "aws_eks_addon").find((a) => a.addon_name === name);
    expect(addon("vpc-cni")?.service_account_role_arn).toMatch(/aws_iam_role\..*VpcCniIdentity.*\.arn/);
    expect(addon("aws-ebs-csi-driver")?.pod_identity_association).toEqual([
      { role_arn: expect.stringMatching(/EbsCsiIdentity/), service_account: "ebs-csi-controller-sa" },
    ]);
    const roles = resources(json, "aws_iam_role").map((r) => r.name);
    expect(roles).toEqual(
      expect.arrayContaining(["mp-test-kube-system-aws-node", "mp-test-kube-system-ebs-csi-controller-sa"]),
    );
  });

  it("has the VPC CNI enforce NetworkPolicy, read back from the add-on's configuration_values", () => {
    const { json } = cluster();
    const cni = resources(json, "aws_eks_addon").find((a) => a.addon_name === "vpc-cni");
    expect(JSON.parse(String(cni?.configuration_values))).toEqual({
      enableNetworkPolicy: "true",
      nodeAgent: { enablePolicyEventLogs: "true" },
    });
  });

  it("turns enforcement off only with the acknowledgement", () => {
    expect(() => cluster({ enforceNetworkPolicy: false })).toThrow(
      "EksCluster: 'enforceNetworkPolicy' is false but leaves every NetworkPolicy unenforced; keep it true, or set acknowledgeNetworkPolicyNotEnforced: true",
    );
    const { json } = cluster({ enforceNetworkPolicy: false, acknowledgeNetworkPolicyNotEnforced: true });
    const cni = resources(json, "aws_eks_addon").find((a) => a.addon_name === "vpc-cni");
    expect(JSON.parse(String(cni?.configuration_values))).toEqual({ enableNetworkPolicy: "false" });
  });

  it("makes add-ons that need nodes wait for node groups, and node groups wait for the CNI", () => {
    const { json } = cluster({}, true);
    const addon = (name: string) => resources(json, "aws_eks_addon").find((a) => a.addon_name === name);
    for (const name of ["coredns", "aws-ebs-csi-driver"]) {
      expect(addon(name)?.depends_on).toEqual(
        expect.arrayContaining([expect.stringMatching(/^aws_eks_node_group\./)]),
      );
    }
    const group = onlyResource(json, "aws_eks_node_group");
    expect(group.depends_on).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/Addon-vpc-cni/),
        expect.stringMatching(/Addon-kube-proxy/),
      ]),
    );
  });

  it("protects the cluster from deletion and prints the kubeconfig command", () => {
    const { eks, command, text } = cluster();
    expect(eks.deletion_protection).toBe(true);
    expect(command).toBe("aws eks update-kubeconfig --region eu-west-1 --name mp-test");
    expect(text).toHaveResourceWithProperties(EksClusterResource, { version: "1.34" });
  });

  describe("validation", () => {
    it.each([
      [{ kubernetesVersion: "1.20" }, "EksCluster: 'kubernetesVersion' is \"1.20\" but must be one of 1.32"],
      [{ publicAccessCidrs: ["0.0.0.0/0"] }, "set acknowledgePublicAccessFromAnywhere: true"],
      [{ name: "-bad" }, "EksCluster: 'name' is \"-bad\""],
      [{ logRetentionDays: 2 }, "'logRetentionDays' is 2"],
      [
        { adminPrincipalArns: ["bob"] },
        "'adminPrincipalArns[0]' is \"bob\" but must be an IAM role or user ARN",
      ],
      [
        { viewerPrincipalArns: ["arn:aws:iam::1:role/x"] },
        "'viewerPrincipalArns[0]' is \"arn:aws:iam::1:role/x\" but must be an IAM role or user ARN",
      ],
      [
        {
          groupPrincipals: [{ principalArn: "arn:aws:iam::123456789012:role/x", groups: ["system:masters"] }],
        },
        "'groupPrincipals[0].groups' is [\"system:masters\"] but must name at least one group",
      ],
      [
        { groupPrincipals: [{ principalArn: "arn:aws:iam::123456789012:role/x", groups: [] }] },
        "'groupPrincipals[0].groups' is [] but must name at least one group",
      ],
      [
        { network: { nodeSubnetIds: ["a"], controlPlaneSubnetIds: ["x", "y"] } },
        "'network.nodeSubnetIds' is [\"a\"] but must hold at least two subnets",
      ],
    ])("rejects %j", (props, message) => {
      expect(() => cluster(props as Partial<EksClusterProps>)).toThrow(message);
    });

    it("allows 0.0.0.0/0 with the acknowledgement", () => {
      const { eks } = cluster({
        publicAccessCidrs: ["0.0.0.0/0"],
        acknowledgePublicAccessFromAnywhere: true,
      });
      expect(eks.vpc_config).toEqual(expect.objectContaining({ public_access_cidrs: ["0.0.0.0/0"] }));
    });
  });
});
