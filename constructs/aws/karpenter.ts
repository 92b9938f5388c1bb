import { CloudwatchEventRule } from "@cdktf/provider-aws/lib/cloudwatch-event-rule/index.js";
import { CloudwatchEventTarget } from "@cdktf/provider-aws/lib/cloudwatch-event-target/index.js";
import { Ec2Tag } from "@cdktf/provider-aws/lib/ec2-tag/index.js";
import { EksAccessEntry } from "@cdktf/provider-aws/lib/eks-access-entry/index.js";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role/index.js";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment/index.js";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue/index.js";
import { SqsQueuePolicy } from "@cdktf/provider-aws/lib/sqs-queue-policy/index.js";
import { Construct } from "constructs";
import { KARPENTER_DISCOVERY_TAG, KARPENTER_SERVICE_ACCOUNT, karpenterNames } from "./addon-names.js";
import { awsContext } from "./aws-context.js";
import type { EksCluster } from "./eks-cluster.js";
import { requireProp } from "./errors.js";
import { type PolicyCondition, type PolicyStatement, policyDocument } from "./policy.js";
import { WorkloadIdentity } from "./workload-identity.js";

export interface KarpenterProps {
  readonly cluster: EksCluster;
  /** Subnets Karpenter may launch nodes in: the cluster's private node subnets. */
  readonly nodeSubnetIds: string[];
  /** @default "kube-system", where Karpenter's docs install it */
  readonly namespace?: string;
}

/** EC2 and AWS Health events that warn of a node going away; Karpenter drains it first. */
const INTERRUPTION_EVENTS: Record<string, { source: string[]; "detail-type": string[] }> = {
  ScheduledChange: { source: ["aws.health"], "detail-type": ["AWS Health Event"] },
  SpotInterruption: { source: ["aws.ec2"], "detail-type": ["EC2 Spot Instance Interruption Warning"] },
  Rebalance: { source: ["aws.ec2"], "detail-type": ["EC2 Instance Rebalance Recommendation"] },
  InstanceStateChange: { source: ["aws.ec2"], "detail-type": ["EC2 Instance State-change Notification"] },
};

/**
 * What Karpenter needs from AWS: a role for the nodes it launches (admitted to the cluster by an
 * EC2_LINUX access entry), an encrypted interruption queue fed by EventBridge, discovery tags on
 * the node subnets and the cluster security group, and a controller role only its service account
 * can use, allowed to launch, tag and terminate only instances and launch templates of this cluster.
 *
 * The controller policy follows Karpenter's published v1 policy, with every scoped statement kept
 * scoped to this cluster's tags.
 */
export class Karpenter extends Construct {
  readonly nodeRole: IamRole;
  readonly queue: SqsQueue;
  readonly identity: WorkloadIdentity;

  constructor(scope: Construct, id: string, props: KarpenterProps) {
    super(scope, id);
    requireProp(
      props.nodeSubnetIds.length >= 2,
      "Karpenter",
      "nodeSubnetIds",
      props.nodeSubnetIds,
      "must hold at least two subnets in different availability zones",
    );
    const ctx = awsContext(this);
    const { cluster } = props;
    const names = karpenterNames(cluster.name);

    this.nodeRole = new IamRole(this, "NodeRole", {
      name: names.nodeRole,
      description: `Nodes Karpenter launches for ${cluster.name}`,
      assumeRolePolicy: policyDocument(this, "NodeTrust", [
        {
          actions: ["sts:AssumeRole"],
          principals: [{ type: "Service", identifiers: ["ec2.amazonaws.com"] }],
        },
      ]).json,
    });
    for (const policy of [
      "AmazonEKSWorkerNodePolicy",
      "AmazonEC2ContainerRegistryReadOnly",
      "AmazonSSMManagedInstanceCore",
    ]) {
      new IamRolePolicyAttachment(this, policy, {
        role: this.nodeRole.name,
        policyArn: `arn:${ctx.partition}:iam::aws:policy/${policy}`,
      });
    }
    new EksAccessEntry(this, "NodeAccess", {
      clusterName: cluster.clusterName,
      principalArn: this.nodeRole.arn,
      type: "EC2_LINUX",
    });

    [cluster.cluster.vpcConfig.clusterSecurityGroupId, ...props.nodeSubnetIds].forEach((resourceId, i) => {
      new Ec2Tag(this, `Discovery${i}`, { resourceId, key: KARPENTER_DISCOVERY_TAG, value: cluster.name });
    });

    this.queue = new SqsQueue(this, "Queue", {
      name: names.interruptionQueue,
      messageRetentionSeconds: 300,
      sqsManagedSseEnabled: true,
    });
    new SqsQueuePolicy(this, "QueuePolicy", {
      queueUrl: this.queue.url,
      policy: policyDocument(this, "QueueAccess", [
        {
          sid: "EventBridgeSends",
          actions: ["sqs:SendMessage"],
          resources: [this.queue.arn],
          principals: [{ type: "Service", identifiers: ["events.amazonaws.com", "sqs.amazonaws.com"] }],
        },
        {
          sid: "DenyWithoutTls",
          effect: "Deny",
          actions: ["sqs:*"],
          resources: [this.queue.arn],
          principals: [{ type: "AWS", identifiers: ["*"] }],
          conditions: [{ test: "Bool", variable: "aws:SecureTransport", values: ["false"] }],
        },
      ]).json,
    });
    for (const [name, pattern] of Object.entries(INTERRUPTION_EVENTS)) {
      const rule = new CloudwatchEventRule(this, `${name}Rule`, {
        name: `${cluster.name}-karpenter-${name}`.slice(0, 64),
        eventPattern: JSON.stringify(pattern),
      });
      new CloudwatchEventTarget(this, `${name}Target`, {
        rule: rule.name,
        arn: this.queue.arn,
        targetId: "karpenter",
      });
    }

    this.identity = new WorkloadIdentity(this, "Identity", {
      cluster,
      namespace: props.namespace ?? "kube-system",
      serviceAccount: KARPENTER_SERVICE_ACCOUNT,
      statements: controllerStatements({
        partition: ctx.partition,
        account: ctx.accountId,
        region: ctx.region,
        cluster: cluster.name,
        nodeRoleArn: this.nodeRole.arn,
        queueArn: this.queue.arn,
      }),
    });
  }
}

interface ControllerScope {
  readonly partition: string;
  readonly account: string;
  readonly region: string;
  readonly cluster: string;
  readonly nodeRoleArn: string;
  readonly queueArn: string;
}

function controllerStatements(s: ControllerScope): PolicyStatement[] {
  const ec2 = (resource: string) => `arn:${s.partition}:ec2:${s.region}:*:${resource}`;
  const eq = (variable: string, value: string): PolicyCondition => ({
    test: "StringEquals",
    variable,
    values: [value],
  });
  const present = (variable: string): PolicyCondition => ({ test: "StringLike", variable, values: ["*"] });
  const owned = (key: "RequestTag" | "ResourceTag") =>
    eq(`aws:${key}/kubernetes.io/cluster/${s.cluster}`, "owned");
  const launched = [
    ec2("fleet/*"),
    ec2("instance/*"),
    ec2("volume/*"),
    ec2("network-interface/*"),
    ec2("launch-template/*"),
    ec2("spot-instances-request/*"),
  ];
  const instanceProfile = `arn:${s.partition}:iam::${s.account}:instance-profile/*`;
  return [
    {
      sid: "LaunchFromSharedResources",
      actions: ["ec2:RunInstances", "ec2:CreateFleet"],
      resources: [
        ec2("image/*"),
        ec2("snapshot/*"),
        ec2("security-group/*"),
        ec2("subnet/*"),
        ec2("capacity-reservation/*"),
      ],
    },
    {
      sid: "LaunchFromOwnTemplates",
      actions: ["ec2:RunInstances", "ec2:CreateFleet"],
      resources: [ec2("launch-template/*")],
      conditions: [owned("ResourceTag"), present("aws:ResourceTag/karpenter.sh/nodepool")],
    },
    {
      sid: "CreateTagged",
      actions: ["ec2:RunInstances", "ec2:CreateFleet", "ec2:CreateLaunchTemplate"],
      resources: launched,
      conditions: [
        owned("RequestTag"),
        eq("aws:RequestTag/eks:eks-cluster-name", s.cluster),
        present("aws:RequestTag/karpenter.sh/nodepool"),
      ],
    },
    {
      sid: "TagOnCreate",
      actions: ["ec2:CreateTags"],
      resources: launched,
      conditions: [
        owned("RequestTag"),
        eq("aws:RequestTag/eks:eks-cluster-name", s.cluster),
        {
          test: "StringEquals",
          variable: "ec2:CreateAction",
          values: ["RunInstances", "CreateFleet", "CreateLaunchTemplate"],
        },
        present("aws:RequestTag/karpenter.sh/nodepool"),
      ],
    },
    {
      sid: "TagOwnInstances",
      actions: ["ec2:CreateTags"],
      resources: [ec2("instance/*")],
      conditions: [
        owned("ResourceTag"),
        present("aws:ResourceTag/karpenter.sh/nodepool"),
        {
          test: "ForAllValues:StringEquals",
          variable: "aws:TagKeys",
          values: ["eks:eks-cluster-name", "karpenter.sh/nodeclaim", "Name"],
        },
      ],
    },
    {
      sid: "DeleteOwn",
      actions: ["ec2:TerminateInstances", "ec2:DeleteLaunchTemplate"],
      resources: [ec2("instance/*"), ec2("launch-template/*")],
      conditions: [owned("ResourceTag"), present("aws:ResourceTag/karpenter.sh/nodepool")],
    },
    {
      sid: "ReadRegion",
      actions: [
        "ec2:DescribeAvailabilityZones",
        "ec2:DescribeCapacityReservations",
        "ec2:DescribeImages",
        "ec2:DescribeInstanceTypeOfferings",
        "ec2:DescribeInstanceTypes",
        "ec2:DescribeInstances",
        "ec2:DescribeLaunchTemplates",
        "ec2:DescribeSecurityGroups",
        "ec2:DescribeSpotPriceHistory",
        "ec2:DescribeSubnets",
      ],
      resources: ["*"],
      conditions: [eq("aws:RequestedRegion", s.region)],
    },
    {
      sid: "ReadAmiParameters",
      actions: ["ssm:GetParameter"],
      resources: [`arn:${s.partition}:ssm:${s.region}::parameter/aws/service/*`],
    },
    { sid: "ReadPrices", actions: ["pricing:GetProducts"], resources: ["*"] },
    {
      sid: "ReadInterruptions",
      actions: ["sqs:DeleteMessage", "sqs:GetQueueUrl", "sqs:ReceiveMessage"],
      resources: [s.queueArn],
    },
    {
      sid: "PassNodeRole",
      actions: ["iam:PassRole"],
      resources: [s.nodeRoleArn],
      conditions: [eq("iam:PassedToService", "ec2.amazonaws.com")],
    },
    {
      sid: "CreateInstanceProfiles",
      actions: ["iam:CreateInstanceProfile", "iam:TagInstanceProfile"],
      resources: [instanceProfile],
      conditions: [
        owned("RequestTag"),
        eq("aws:RequestTag/eks:eks-cluster-name", s.cluster),
        eq("aws:RequestTag/topology.kubernetes.io/region", s.region),
        present("aws:RequestTag/karpenter.k8s.aws/ec2nodeclass"),
      ],
    },
    {
      sid: "ManageOwnInstanceProfiles",
      actions: [
        "iam:AddRoleToInstanceProfile",
        "iam:RemoveRoleFromInstanceProfile",
        "iam:DeleteInstanceProfile",
        "iam:TagInstanceProfile",
      ],
      resources: [instanceProfile],
      conditions: [
        owned("ResourceTag"),
        eq("aws:ResourceTag/topology.kubernetes.io/region", s.region),
        present("aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass"),
      ],
    },
    {
      sid: "ReadInstanceProfiles",
      actions: ["iam:GetInstanceProfile", "iam:ListInstanceProfiles"],
      resources: [instanceProfile],
    },
    {
      sid: "DiscoverApiServer",
      actions: ["eks:DescribeCluster"],
      resources: [`arn:${s.partition}:eks:${s.region}:${s.account}:cluster/${s.cluster}`],
    },
  ];
}
