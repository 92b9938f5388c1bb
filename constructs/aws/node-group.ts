import { EksNodeGroup } from "@cdktf/provider-aws/lib/eks-node-group/index.js";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role/index.js";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment/index.js";
import { LaunchTemplate } from "@cdktf/provider-aws/lib/launch-template/index.js";
import { Construct } from "constructs";
import type { NodeGroupOptions } from "../../config/aws-options.js";
import { awsContext } from "./aws-context.js";
import type { EksCluster } from "./eks-cluster.js";
import { requireProp } from "./errors.js";
import { iamRoleName } from "./names.js";
import { policyDocument } from "./policy.js";

export type { NodeGroupOptions, NodeTaint } from "../../config/aws-options.js";

export interface NodeGroupProps extends NodeGroupOptions {
  readonly cluster: EksCluster;
}

const TAINT_EFFECTS = ["NO_SCHEDULE", "NO_EXECUTE", "PREFER_NO_SCHEDULE"];

/**
 * An EKS managed node group on Amazon Linux 2023 with its own launch template:
 * IMDSv2 only, encrypted gp3 root volume, no SSH key, and a node role with only
 * the worker, ECR read-only and SSM policies.
 */
export class NodeGroup extends Construct {
  readonly nodeGroup: EksNodeGroup;
  readonly launchTemplate: LaunchTemplate;
  readonly nodeRole: IamRole;
  readonly name: string;

  constructor(scope: Construct, id: string, props: NodeGroupProps) {
    super(scope, id);
    const cluster = props.cluster;
    const minSize = props.minSize ?? 2;
    const maxSize = props.maxSize ?? 4;
    const desiredSize = props.desiredSize ?? minSize;
    const instanceTypes = props.instanceTypes ?? ["m7i.large"];
    const capacityType = props.capacityType ?? "ON_DEMAND";
    const amiType = props.amiType ?? "AL2023_x86_64_STANDARD";
    const hopLimit = props.metadataHopLimit ?? 1;
    const rootVolumeSizeGiB = props.rootVolumeSizeGiB ?? 50;
    const maxUnavailablePercentage = props.maxUnavailablePercentage ?? 33;
    this.name = props.name;

    const c = `NodeGroup(${props.name})`;
    requireProp(
      /^[a-zA-Z0-9][a-zA-Z0-9_-]{0,62}$/.test(props.name),
      c,
      "name",
      props.name,
      "must be 1-63 letters, digits, '-' or '_'",
    );
    requireProp(minSize >= 0, c, "minSize", minSize, "must be 0 or more");
    requireProp(maxSize >= 1, c, "maxSize", maxSize, "must be at least 1");
    requireProp(
      minSize <= desiredSize && desiredSize <= maxSize,
      c,
      "desiredSize",
      { minSize, desiredSize, maxSize },
      "must satisfy minSize <= desiredSize <= maxSize",
    );
    requireProp(
      instanceTypes.length > 0,
      c,
      "instanceTypes",
      instanceTypes,
      "must name at least one instance type",
    );
    requireProp(
      capacityType === "ON_DEMAND" || capacityType === "SPOT",
      c,
      "capacityType",
      capacityType,
      'must be "ON_DEMAND" or "SPOT"',
    );
    requireProp(
      amiType.startsWith("AL2023_"),
      c,
      "amiType",
      amiType,
      "must be an Amazon Linux 2023 AMI type (AL2023_*)",
    );
    requireProp(
      hopLimit === 1 || hopLimit === 2,
      c,
      "metadataHopLimit",
      hopLimit,
      "must be 1 (default) or 2",
    );
    requireProp(
      rootVolumeSizeGiB >= 20 && rootVolumeSizeGiB <= 16384,
      c,
      "rootVolumeSizeGiB",
      rootVolumeSizeGiB,
      "must be between 20 and 16384",
    );
    requireProp(
      maxUnavailablePercentage >= 1 && maxUnavailablePercentage <= 100,
      c,
      "maxUnavailablePercentage",
      maxUnavailablePercentage,
      "must be between 1 and 100",
    );
    (props.taints ?? []).forEach((t, i) => {
      requireProp(
        TAINT_EFFECTS.includes(t.effect),
        c,
        `taints[${i}].effect`,
        t.effect,
        `must be one of ${TAINT_EFFECTS.join(", ")}`,
      );
    });

    const ctx = awsContext(this);
    this.nodeRole = new IamRole(this, "NodeRole", {
      name: iamRoleName(`${cluster.name}-${props.name}-node`),
      assumeRolePolicy: policyDocument(this, "NodeTrust", [
        {
          actions: ["sts:AssumeRole"],
          principals: [{ type: "Service", identifiers: ["ec2.amazonaws.com"] }],
        },
      ]).json,
    });
    const attachments = [
      "AmazonEKSWorkerNodePolicy",
      "AmazonEC2ContainerRegistryReadOnly",
      "AmazonSSMManagedInstanceCore",
    ].map(
      (policy) =>
        new IamRolePolicyAttachment(this, policy, {
          role: this.nodeRole.name,
          policyArn: `arn:${ctx.partition}:iam::aws:policy/${policy}`,
        }),
    );

    this.launchTemplate = new LaunchTemplate(this, "LaunchTemplate", {
      description: `Meshpilot node group ${props.name}`,
      updateDefaultVersion: true,
      metadataOptions: {
        httpEndpoint: "enabled",
        httpTokens: "required",
        httpPutResponseHopLimit: hopLimit,
        instanceMetadataTags: "disabled",
      },
      blockDeviceMappings: [
        {
          deviceName: "/dev/xvda",
          ebs: {
            volumeSize: rootVolumeSizeGiB,
            volumeType: "gp3",
            encrypted: "true",
            kmsKeyId: props.volumeKmsKeyArn,
            deleteOnTermination: "true",
          },
        },
      ],
      monitoring: { enabled: true },
      tagSpecifications: [
        { resourceType: "instance", tags: { Name: `${props.name}`, "meshpilot.io/node-group": props.name } },
        { resourceType: "volume", tags: { "meshpilot.io/node-group": props.name } },
      ],
    });

    this.nodeGroup = new EksNodeGroup(this, "NodeGroup", {
      clusterName: cluster.clusterName,
      nodeGroupName: props.name,
      version: cluster.kubernetesVersion,
      nodeRoleArn: this.nodeRole.arn,
      subnetIds: props.subnetIds ?? cluster.network.nodeSubnetIds,
      amiType,
      capacityType,
      instanceTypes,
      scalingConfig: { minSize, desiredSize, maxSize },
      updateConfig: { maxUnavailablePercentage },
      labels: props.labels,
      taint: props.taints?.map((t) => ({ key: t.key, value: t.value, effect: t.effect })),
      launchTemplate: { id: this.launchTemplate.id, version: this.launchTemplate.latestVersion.toString() },
      lifecycle: { ignoreChanges: ["scaling_config[0].desired_size"] },
      dependsOn: [...attachments, cluster.addons["vpc-cni"], cluster.addons["kube-proxy"]],
    });
  }
}
