import { IamPolicy } from "@cdktf/provider-aws/lib/iam-policy/index.js";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role/index.js";
import { Aspects } from "cdktf";
import { Construct, type IConstruct } from "constructs";
import { awsContext } from "./aws-context.js";
import { requireProp } from "./errors.js";
import { type PolicyStatement, policyDocument } from "./policy.js";

export interface PermissionsBoundaryProps {
  /** Prefix of every IAM role and policy the platform creates, e.g. `meshpilot-dev`. */
  readonly namePrefix: string;
  /** The regions the platform runs in; regional services are capped to these. */
  readonly regions: string[];
}

/** IAM actions that change a role's permissions; each checks the role's boundary (`iam:PermissionsBoundary`). */
export const ROLE_PERMISSION_ACTIONS = [
  "iam:AttachRolePolicy",
  "iam:CreateRole",
  "iam:DeleteRolePolicy",
  "iam:DetachRolePolicy",
  "iam:PutRolePermissionsBoundary",
  "iam:PutRolePolicy",
];

/**
 * Regional services a platform role may ever use: the network, the cluster and its nodes, registries,
 * keys, logs, buckets, Karpenter's interruption queue and rule, Systems Manager for node access.
 */
const REGIONAL_SERVICES = [
  "autoscaling:*",
  "ec2:*",
  "ec2messages:*",
  "ecr:*",
  "eks:*",
  "elasticloadbalancing:*",
  "events:*",
  "kms:*",
  "logs:*",
  "s3:*",
  "sqs:*",
  "ssm:*",
  "ssmmessages:*",
];

/** Calls that go to one fixed region whatever the platform's: the Pricing API, and STS's global endpoint. */
const GLOBAL_CALLS = ["pricing:GetProducts", "sts:GetCallerIdentity"];

/**
 * The ceiling on every IAM role the platform creates (the permissions boundary).
 *
 * A boundary grants nothing; a role's permissions are what its own policies allow *and* this allows.
 * It caps regional services to the platform's regions and IAM to the platform's own names, and it
 * denies what would let a role escape it: creating or changing a role without this boundary,
 * removing a boundary, or editing this policy. CI's apply role carries it too, so rewriting its own
 * policy cannot lift it above the ceiling. See docs/delivery.md.
 */
export class PermissionsBoundary extends Construct {
  readonly policy: IamPolicy;
  readonly policyArn: string;
  readonly policyName: string;

  constructor(scope: Construct, id: string, props: PermissionsBoundaryProps) {
    super(scope, id);
    requireProp(
      props.regions.length > 0 && props.regions.every((r) => /^[a-z]{2}(-[a-z]+)+-\d$/.test(r)),
      "PermissionsBoundary",
      "regions",
      props.regions,
      "must name at least one AWS region such as eu-west-1",
    );
    const ctx = awsContext(this);
    const iam = (kind: string, name: string) => `arn:${ctx.partition}:iam::${ctx.accountId}:${kind}/${name}`;
    this.policyName = `${props.namePrefix}-boundary`;
    const self = iam("policy", this.policyName);
    const statements: PolicyStatement[] = [
      {
        sid: "RegionalServices",
        actions: REGIONAL_SERVICES,
        resources: ["*"],
        conditions: [{ test: "StringEquals", variable: "aws:RequestedRegion", values: props.regions }],
      },
      { sid: "GlobalCalls", actions: GLOBAL_CALLS, resources: ["*"] },
      {
        sid: "PlatformIam",
        actions: ["iam:*"],
        resources: [
          iam("role", `${props.namePrefix}-*`),
          iam("policy", `${props.namePrefix}-*`),
          iam("instance-profile", `${props.namePrefix}*`),
          iam("oidc-provider", "*"),
        ],
      },
      { sid: "ReadIam", actions: ["iam:Get*", "iam:List*"], resources: ["*"] },
      {
        sid: "ServiceLinkedRoles",
        actions: ["iam:CreateServiceLinkedRole"],
        resources: [iam("role", "aws-service-role/*")],
      },
      {
        sid: "NoRoleWithoutThisBoundary",
        effect: "Deny",
        actions: ROLE_PERMISSION_ACTIONS,
        resources: ["*"],
        conditions: [{ test: "StringNotEquals", variable: "iam:PermissionsBoundary", values: [self] }],
      },
      {
        sid: "NoBoundaryRemoval",
        effect: "Deny",
        actions: ["iam:DeleteRolePermissionsBoundary", "iam:DeleteUserPermissionsBoundary"],
        resources: ["*"],
      },
      {
        sid: "NoBoundaryEdit",
        effect: "Deny",
        actions: [
          "iam:CreatePolicyVersion",
          "iam:DeletePolicy",
          "iam:DeletePolicyVersion",
          "iam:SetDefaultPolicyVersion",
        ],
        resources: [self],
      },
    ];
    this.policy = new IamPolicy(this, "Policy", {
      name: this.policyName,
      description: `Permissions boundary of every ${props.namePrefix} IAM role`,
      policy: policyDocument(this, "Document", statements).json,
    });
    // The computed ARN, not the resource's: roles' conditions and the policy's own Deny compare it as a string.
    this.policyArn = self;
  }

  /** Puts the boundary on every IAM role in `scope`, including roles added later and by other constructs. */
  applyToRolesIn(scope: IConstruct): void {
    const arn = this.policy.arn;
    Aspects.of(scope).add({
      visit(node: IConstruct) {
        if (node instanceof IamRole) node.permissionsBoundary = arn;
      },
    });
  }
}
