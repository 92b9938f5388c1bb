import { Construct } from "constructs";
import { LOAD_BALANCER_CONTROLLER_SERVICE_ACCOUNT } from "./addon-names.js";
import { awsContext } from "./aws-context.js";
import type { PolicyCondition, PolicyStatement } from "./policy.js";
import { WorkloadIdentity, type WorkloadIdentityCluster } from "./workload-identity.js";

export interface LoadBalancerControllerIdentityProps {
  readonly cluster: WorkloadIdentityCluster;
  /** @default "kube-system" */
  readonly namespace?: string;
  /** @default "aws-load-balancer-controller" */
  readonly serviceAccount?: string;
}

/** The tag the controller puts on every load balancer, target group and security group it creates. */
const CLUSTER_TAG = "elbv2.k8s.aws/cluster";

/**
 * The AWS Load Balancer Controller's role: only its service account can use it (Pod Identity), and it
 * may change only the load balancers, target groups and security groups tagged with this cluster's
 * name, which it tags itself at creation.
 *
 * Derived from the controller's published policy and narrowed: Meshpilot exposes the ingress gateway
 * through an NLB Service, so the ALB-only add-ons (WAF, Shield, Cognito, ACM listing) are left out,
 * and the upstream's "tag is present" conditions become "tag names this cluster".
 */
export class LoadBalancerControllerIdentity extends Construct {
  readonly identity: WorkloadIdentity;

  constructor(scope: Construct, id: string, props: LoadBalancerControllerIdentityProps) {
    super(scope, id);
    const ctx = awsContext(this);
    const cluster = props.cluster.name;
    const ownedBy = (key: "ResourceTag" | "RequestTag"): PolicyCondition => ({
      test: "StringEquals",
      variable: `aws:${key}/${CLUSTER_TAG}`,
      values: [cluster],
    });
    const elb = (resource: string) =>
      `arn:${ctx.partition}:elasticloadbalancing:*:${ctx.accountId}:${resource}`;
    const statements: PolicyStatement[] = [
      {
        sid: "Discover",
        actions: [
          "ec2:DescribeAccountAttributes",
          "ec2:DescribeAddresses",
          "ec2:DescribeAvailabilityZones",
          "ec2:DescribeInstances",
          "ec2:DescribeInternetGateways",
          "ec2:DescribeNetworkInterfaces",
          "ec2:DescribeRouteTables",
          "ec2:DescribeSecurityGroups",
          "ec2:DescribeSubnets",
          "ec2:DescribeTags",
          "ec2:DescribeVpcs",
          "ec2:GetSecurityGroupsForVpc",
          "elasticloadbalancing:DescribeListenerAttributes",
          "elasticloadbalancing:DescribeListeners",
          "elasticloadbalancing:DescribeLoadBalancerAttributes",
          "elasticloadbalancing:DescribeLoadBalancers",
          "elasticloadbalancing:DescribeTags",
          "elasticloadbalancing:DescribeTargetGroupAttributes",
          "elasticloadbalancing:DescribeTargetGroups",
          "elasticloadbalancing:DescribeTargetHealth",
        ],
        resources: ["*"],
      },
      {
        sid: "LoadBalancerServiceLinkedRole",
        actions: ["iam:CreateServiceLinkedRole"],
        resources: [
          `arn:${ctx.partition}:iam::${ctx.accountId}:role/aws-service-role/elasticloadbalancing.amazonaws.com/*`,
        ],
        conditions: [
          {
            test: "StringEquals",
            variable: "iam:AWSServiceName",
            values: ["elasticloadbalancing.amazonaws.com"],
          },
        ],
      },
      // Creation must carry this cluster's tag; everything after is allowed only on what carries it.
      {
        sid: "CreateTagged",
        actions: [
          "ec2:CreateSecurityGroup",
          "elasticloadbalancing:CreateLoadBalancer",
          "elasticloadbalancing:CreateTargetGroup",
        ],
        resources: ["*"],
        conditions: [ownedBy("RequestTag")],
      },
      {
        sid: "TagOnCreate",
        actions: ["ec2:CreateTags", "elasticloadbalancing:AddTags"],
        resources: ["*"],
        conditions: [
          ownedBy("RequestTag"),
          {
            test: "StringEquals",
            variable: "ec2:CreateAction",
            values: ["CreateSecurityGroup"],
          },
        ],
      },
      {
        sid: "TagOnElbCreate",
        actions: ["elasticloadbalancing:AddTags"],
        resources: [elb("loadbalancer/*"), elb("targetgroup/*"), elb("listener/*"), elb("listener-rule/*")],
        conditions: [
          {
            test: "StringEquals",
            variable: "elasticloadbalancing:CreateAction",
            values: ["CreateLoadBalancer", "CreateTargetGroup", "CreateListener", "CreateRule"],
          },
        ],
      },
      {
        sid: "ManageOwnSecurityGroups",
        actions: [
          "ec2:AuthorizeSecurityGroupIngress",
          "ec2:CreateTags",
          "ec2:DeleteSecurityGroup",
          "ec2:DeleteTags",
          "ec2:RevokeSecurityGroupIngress",
        ],
        resources: ["*"],
        conditions: [ownedBy("ResourceTag")],
      },
      {
        sid: "ManageOwnLoadBalancers",
        actions: [
          "elasticloadbalancing:AddTags",
          "elasticloadbalancing:CreateListener",
          "elasticloadbalancing:DeleteListener",
          "elasticloadbalancing:DeleteLoadBalancer",
          "elasticloadbalancing:DeleteTargetGroup",
          "elasticloadbalancing:DeregisterTargets",
          "elasticloadbalancing:ModifyListener",
          "elasticloadbalancing:ModifyListenerAttributes",
          "elasticloadbalancing:ModifyLoadBalancerAttributes",
          "elasticloadbalancing:ModifyTargetGroup",
          "elasticloadbalancing:ModifyTargetGroupAttributes",
          "elasticloadbalancing:RegisterTargets",
          "elasticloadbalancing:RemoveTags",
          "elasticloadbalancing:SetIpAddressType",
          "elasticloadbalancing:SetSecurityGroups",
          "elasticloadbalancing:SetSubnets",
        ],
        resources: [elb("loadbalancer/*"), elb("targetgroup/*"), elb("listener/*")],
        conditions: [ownedBy("ResourceTag")],
      },
    ];
    this.identity = new WorkloadIdentity(this, "Identity", {
      cluster: props.cluster,
      namespace: props.namespace ?? "kube-system",
      serviceAccount: props.serviceAccount ?? LOAD_BALANCER_CONTROLLER_SERVICE_ACCOUNT,
      statements,
    });
  }
}
