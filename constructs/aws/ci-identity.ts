import { IamOpenidConnectProvider } from "@cdktf/provider-aws/lib/iam-openid-connect-provider/index.js";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role/index.js";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy/index.js";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment/index.js";
import { Construct } from "constructs";
import { awsContext } from "./aws-context.js";
import { InvalidPropError, requireProp } from "./errors.js";
import { iamRoleName } from "./names.js";
import { ROLE_PERMISSION_ACTIONS } from "./permissions-boundary.js";
import { type PolicyStatement, policyDocument } from "./policy.js";

const GITHUB_ISSUER = "token.actions.githubusercontent.com";

/** The four CI roles. */
export type CiRole = "push" | "plan" | "apply" | "rollout";

/** A CI role's name: deterministic, so the state bucket can trust it before it exists. */
export function ciRoleName(namePrefix: string, role: CiRole): string {
  return iamRoleName(`${namePrefix}-ci-${role}`);
}

/** Where the Terraform state lives, so the infrastructure roles can read (plan) or write (apply) it. */
export interface CiStateAccess {
  readonly bucketArn: string;
  /**
   * The state's KMS key by alias ARN, `arn:aws:kms:<region>:<account>:alias/<name>`.
   * Other stacks cannot know the key id, and IAM never matches key use against an alias ARN,
   * so the grant is on the account's keys narrowed by `kms:ResourceAliases`.
   */
  readonly keyAliasArn: string;
  /** The state object key, e.g. `meshpilot/dev/terraform.tfstate`. */
  readonly stateKey: string;
}

export interface CiIdentityProps {
  /** Prefix of the role names: `<prefix>-ci-push`, `-ci-plan`, `-ci-apply`. */
  readonly namePrefix: string;
  /** GitHub repository as `owner/name`. */
  readonly repository: string;
  /** ARNs of the ECR repositories the push role may push to, and nothing else. */
  readonly pushRepositoryArns: string[];
  /**
   * GitHub environments that may also push, besides the main branch.
   * @default none
   */
  readonly pushEnvironments?: string[];
  /**
   * The protected GitHub environment the apply role trusts. Protect it in GitHub so only main deploys to it.
   * @default "production"
   */
  readonly applyEnvironment?: string;
  readonly state: CiStateAccess;
  /**
   * Prefix of the ECR repositories the apply role manages (`<prefix>/<name>`).
   * @default "meshpilot"
   */
  readonly registryPrefix?: string;
  /**
   * Prefix of the IAM roles and policies the apply role may manage.
   * @default namePrefix
   */
  readonly managedIamPrefix?: string;
  /**
   * The permissions boundary every role the apply role creates or changes must carry (a
   * `PermissionsBoundary`'s ARN). Put it on the CI roles too, so the apply role cannot lift itself.
   */
  readonly permissionsBoundaryArn: string;
  /** Regions the apply role may change things in: the platform's and the state bucket's. */
  readonly regions: string[];
  /**
   * The EKS cluster the apply role manages.
   * @default namePrefix
   */
  readonly clusterName?: string;
  /**
   * An existing GitHub OIDC provider in the account (there can be only one per URL).
   * @default a new provider
   */
  readonly existingOidcProviderArn?: string;
}

/**
 * GitHub Actions identities: an OIDC provider and four roles.
 *
 * - push: main (and named environments) may push images to our registries only;
 * - plan: pull requests and main may read the account and the state (and take the state lock);
 * - apply: only the protected environment may change infrastructure;
 * - rollout: main may find the cluster's endpoint, nothing else in AWS. What it may read inside the
 *   cluster (TrafficIntents, for a rollout's result) is the tree's RBAC for the group the cluster's
 *   access entry gives it.
 */
export class CiIdentity extends Construct {
  readonly oidcProviderArn: string;
  readonly pushRole: IamRole;
  readonly planRole: IamRole;
  readonly applyRole: IamRole;
  readonly rolloutRole: IamRole;

  constructor(scope: Construct, id: string, props: CiIdentityProps) {
    super(scope, id);
    const applyEnvironment = props.applyEnvironment ?? "production";
    const iamPrefix = props.managedIamPrefix ?? props.namePrefix;
    requireProp(
      /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(props.repository),
      "CiIdentity",
      "repository",
      props.repository,
      'must be "owner/name"',
    );
    requireProp(
      props.pushRepositoryArns.length > 0,
      "CiIdentity",
      "pushRepositoryArns",
      props.pushRepositoryArns,
      "must name at least one repository; the push role gets no wildcard",
    );

    this.oidcProviderArn =
      props.existingOidcProviderArn ??
      new IamOpenidConnectProvider(this, "GithubOidc", {
        url: `https://${GITHUB_ISSUER}`,
        clientIdList: ["sts.amazonaws.com"],
      }).arn;

    const ctx = awsContext(this);
    const subject = (suffix: string) => `repo:${props.repository}:${suffix}`;
    const trust = (name: string, subjects: string[]) =>
      policyDocument(this, `${name}Trust`, [
        {
          actions: ["sts:AssumeRoleWithWebIdentity"],
          principals: [{ type: "Federated", identifiers: [this.oidcProviderArn] }],
          conditions: [
            { test: "StringEquals", variable: `${GITHUB_ISSUER}:aud`, values: ["sts.amazonaws.com"] },
            { test: "StringEquals", variable: `${GITHUB_ISSUER}:sub`, values: subjects },
          ],
        },
      ]).json;
    const role = (name: string, subjects: string[], statements: PolicyStatement[]) => {
      const r = new IamRole(this, `${name}Role`, {
        name: ciRoleName(props.namePrefix, name.toLowerCase() as CiRole),
        assumeRolePolicy: trust(name, subjects),
        maxSessionDuration: 3600,
      });
      new IamRolePolicy(this, `${name}Policy`, {
        role: r.name,
        name: `ci-${name.toLowerCase()}`,
        policy: policyDocument(this, `${name}Permissions`, statements).json,
      });
      return r;
    };

    const stateObject = `${props.state.bucketArn}/${props.state.stateKey}`;
    const alias = /^(arn:[^:]+:kms:[^:]+:\d{12}:)(alias\/.+)$/.exec(props.state.keyAliasArn);
    if (!alias) {
      throw new InvalidPropError(
        "CiIdentity",
        "state.keyAliasArn",
        props.state.keyAliasArn,
        "must be a KMS alias ARN: arn:aws:kms:<region>:<account>:alias/<name>",
      );
    }
    const keyArns = `${alias[1]}key/*`;
    const aliasName = alias[2];
    const stateRead: PolicyStatement[] = [
      { sid: "ListState", actions: ["s3:ListBucket"], resources: [props.state.bucketArn] },
      { sid: "ReadState", actions: ["s3:GetObject"], resources: [stateObject] },
      {
        sid: "StateKey",
        actions: ["kms:Decrypt", "kms:GenerateDataKey"],
        resources: [keyArns],
        conditions: [
          { test: "ForAnyValue:StringEquals", variable: "kms:ResourceAliases", values: [aliasName] },
        ],
      },
      // use_lockfile keeps the lock next to the state; even a plan takes it.
      {
        sid: "StateLock",
        actions: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
        resources: [`${stateObject}.tflock`],
      },
    ];

    this.pushRole = role(
      "Push",
      [
        subject("ref:refs/heads/main"),
        ...(props.pushEnvironments ?? []).map((e) => subject(`environment:${e}`)),
      ],
      [
        // GetAuthorizationToken has no resource-level permissions; it grants nothing by itself.
        { sid: "Login", actions: ["ecr:GetAuthorizationToken"], resources: ["*"] },
        {
          sid: "PushImages",
          actions: [
            "ecr:BatchCheckLayerAvailability",
            "ecr:BatchGetImage",
            "ecr:CompleteLayerUpload",
            "ecr:DescribeImages",
            "ecr:GetDownloadUrlForLayer",
            "ecr:InitiateLayerUpload",
            "ecr:PutImage",
            "ecr:UploadLayerPart",
          ],
          resources: props.pushRepositoryArns,
        },
      ],
    );

    this.planRole = role("Plan", [subject("pull_request"), subject("ref:refs/heads/main")], stateRead);
    new IamRolePolicyAttachment(this, "PlanReadOnly", {
      role: this.planRole.name,
      policyArn: `arn:${ctx.partition}:iam::aws:policy/ReadOnlyAccess`,
    });

    const cluster = props.clusterName ?? props.namePrefix;
    this.rolloutRole = role(
      "Rollout",
      [subject("ref:refs/heads/main")],
      [
        {
          sid: "FindCluster",
          // `aws eks update-kubeconfig` reads the endpoint and CA; the token itself needs no permission.
          actions: ["eks:DescribeCluster"],
          resources: props.regions.map(
            (r) => `arn:${ctx.partition}:eks:${r}:${ctx.accountId}:cluster/${cluster}`,
          ),
        },
      ],
    );

    this.applyRole = role(
      "Apply",
      [subject(`environment:${applyEnvironment}`)],
      [
        ...stateRead,
        { sid: "WriteState", actions: ["s3:PutObject"], resources: [stateObject] },
        ...applyStatements({
          partition: ctx.partition,
          account: ctx.accountId,
          regions: props.regions,
          prefix: iamPrefix,
          cluster,
          registryPrefix: props.registryPrefix ?? "meshpilot",
          boundaryArn: props.permissionsBoundaryArn,
        }),
      ],
    );
  }
}

interface ApplyScope {
  readonly partition: string;
  readonly account: string;
  readonly regions: string[];
  readonly prefix: string;
  readonly cluster: string;
  readonly registryPrefix: string;
  readonly boundaryArn: string;
}

/**
 * What `terraform apply` of a platform stack needs, and no more: each service's actions on the
 * resource ARNs the stack's names allow, in the platform's regions. EC2 is the exception: its create
 * calls mostly take no resource ARN Terraform could know, so it is capped by region only. IAM changes
 * to roles need the permissions boundary on the role. docs/delivery.md lists what remains.
 */
function applyStatements(a: ApplyScope): PolicyStatement[] {
  const inRegion = [{ test: "StringEquals", variable: "aws:RequestedRegion", values: a.regions }];
  const regional = (service: string, resource: string) =>
    a.regions.map((r) => `arn:${a.partition}:${service}:${r}:${a.account}:${resource}`);
  const iam = (resource: string) => `arn:${a.partition}:iam::${a.account}:${resource}`;
  return [
    { sid: "Network", actions: ["ec2:*"], resources: ["*"], conditions: inRegion },
    {
      sid: "Cluster",
      actions: ["eks:*"],
      resources: [
        ...regional("eks", `cluster/${a.cluster}`),
        ...regional("eks", `nodegroup/${a.cluster}/*`),
        ...regional("eks", `addon/${a.cluster}/*`),
        ...regional("eks", `access-entry/${a.cluster}/*`),
        ...regional("eks", `podidentityassociation/${a.cluster}/*`),
      ],
    },
    {
      sid: "ClusterDiscovery",
      actions: ["eks:DescribeAddonVersions", "eks:ListClusters", "eks:DescribeAddonConfiguration"],
      resources: ["*"],
      conditions: inRegion,
    },
    { sid: "Registries", actions: ["ecr:*"], resources: regional("ecr", `repository/${a.registryPrefix}/*`) },
    {
      sid: "RegistryDiscovery",
      actions: ["ecr:DescribeRegistry", "ecr:GetAuthorizationToken", "ecr:DescribeRepositories"],
      resources: ["*"],
      conditions: inRegion,
    },
    // CreateKey names no key yet; every later call is on a key or alias of the account, in region.
    {
      sid: "Keys",
      actions: ["kms:*"],
      resources: [...regional("kms", "key/*"), ...regional("kms", `alias/${a.prefix}*`)],
    },
    {
      sid: "KeyCreation",
      actions: ["kms:CreateKey", "kms:ListAliases"],
      resources: ["*"],
      conditions: inRegion,
    },
    {
      sid: "Logs",
      actions: ["logs:*"],
      resources: [
        ...regional("logs", `log-group:/aws/eks/${a.cluster}/*`),
        ...regional("logs", `log-group:/aws/vpc/${a.prefix}/*`),
      ],
    },
    { sid: "LogDiscovery", actions: ["logs:DescribeLogGroups"], resources: ["*"], conditions: inRegion },
    {
      sid: "Buckets",
      actions: ["s3:*"],
      resources: [`arn:${a.partition}:s3:::${a.prefix}-*`, `arn:${a.partition}:s3:::${a.prefix}-*/*`],
    },
    {
      sid: "InterruptionQueue",
      actions: ["sqs:*"],
      resources: regional("sqs", `${a.prefix}-*`),
    },
    { sid: "InterruptionRules", actions: ["events:*"], resources: regional("events", `rule/${a.prefix}-*`) },
    {
      sid: "PublicParameters",
      actions: ["ssm:GetParameter", "ssm:GetParameters"],
      resources: a.regions.map((r) => `arn:${a.partition}:ssm:${r}::parameter/aws/service/*`),
    },
    { sid: "WhoAmI", actions: ["sts:GetCallerIdentity"], resources: ["*"] },
    {
      sid: "RolesWithBoundary",
      actions: ROLE_PERMISSION_ACTIONS,
      resources: [iam(`role/${a.prefix}-*`)],
      conditions: [{ test: "StringEquals", variable: "iam:PermissionsBoundary", values: [a.boundaryArn] }],
    },
    {
      sid: "PlatformRoles",
      actions: [
        "iam:DeleteRole",
        "iam:PassRole",
        "iam:TagRole",
        "iam:UntagRole",
        "iam:UpdateAssumeRolePolicy",
        "iam:UpdateRole",
        "iam:UpdateRoleDescription",
      ],
      resources: [iam(`role/${a.prefix}-*`)],
    },
    {
      sid: "PlatformPolicies",
      actions: [
        "iam:CreatePolicy",
        "iam:CreatePolicyVersion",
        "iam:DeletePolicy",
        "iam:DeletePolicyVersion",
        "iam:TagPolicy",
        "iam:UntagPolicy",
      ],
      resources: [iam(`policy/${a.prefix}-*`)],
    },
    {
      sid: "InstanceProfiles",
      actions: [
        "iam:AddRoleToInstanceProfile",
        "iam:CreateInstanceProfile",
        "iam:DeleteInstanceProfile",
        "iam:RemoveRoleFromInstanceProfile",
        "iam:TagInstanceProfile",
      ],
      resources: [iam(`instance-profile/${a.prefix}*`)],
    },
    {
      sid: "OidcProviders",
      actions: [
        "iam:CreateOpenIDConnectProvider",
        "iam:DeleteOpenIDConnectProvider",
        "iam:TagOpenIDConnectProvider",
        "iam:UpdateOpenIDConnectProviderThumbprint",
        "iam:AddClientIDToOpenIDConnectProvider",
      ],
      resources: [iam("oidc-provider/*")],
    },
    {
      sid: "ServiceLinkedRoles",
      actions: ["iam:CreateServiceLinkedRole"],
      resources: [iam("role/aws-service-role/*")],
    },
    { sid: "ReadIam", actions: ["iam:Get*", "iam:List*"], resources: ["*"] },
  ];
}
