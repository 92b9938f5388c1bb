import { EksPodIdentityAssociation } from "@cdktf/provider-aws/lib/eks-pod-identity-association/index.js";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role/index.js";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy/index.js";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment/index.js";
import { Fn } from "cdktf";
import { Construct } from "constructs";
import { awsContext } from "./aws-context.js";
import { InvalidPropError, isToken, requireProp } from "./errors.js";
import { iamRoleName } from "./names.js";
import { checkStatements, type PolicyStatement, policyDocument } from "./policy.js";

/** How pods get the role: IRSA (OIDC web identity) or EKS Pod Identity. */
export type WorkloadIdentityMechanism = "irsa" | "pod-identity";

/** Where the role can be assumed from: the cluster's identity endpoints. */
export interface WorkloadIdentityCluster {
  /** Cluster name as a plain string; the role name is derived from it. */
  readonly name: string;
  /** Cluster name as a Terraform reference, so the association waits for the cluster. */
  readonly clusterName: string;
  /** ARN of the cluster's IAM OIDC provider (IRSA). */
  readonly oidcProviderArn: string;
  /** Issuer URL of the cluster's OIDC provider, with or without `https://` (IRSA). */
  readonly oidcIssuerUrl: string;
}

export interface WorkloadIdentityProps {
  readonly cluster: WorkloadIdentityCluster;
  /** The only namespace whose service account can assume the role. */
  readonly namespace: string;
  /** The only service account that can assume the role. */
  readonly serviceAccount: string;
  /**
   * IRSA or EKS Pod Identity.
   * @default "pod-identity", which needs no annotation on the service account
   */
  readonly mechanism?: WorkloadIdentityMechanism;
  /**
   * Inline permissions. A statement allowing Action "*" on Resource "*" is rejected.
   * @default none
   */
  readonly statements?: PolicyStatement[];
  /**
   * AWS managed policies to attach, by ARN.
   * @default none
   */
  readonly managedPolicyArns?: string[];
  /**
   * Create the Pod Identity association here. Set false when something else binds it
   * (an EKS add-on's `podIdentityAssociation` block).
   * @default true
   */
  readonly createAssociation?: boolean;
}

const K8S_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * The IAM role name for a cluster's service account: deterministic, at most 64 characters.
 *
 * Charts compute the role ARN from this and the account id in config, so there is no
 * cross-tool plumbing between Terraform outputs and Kubernetes manifests.
 */
export function workloadRoleName(clusterName: string, namespace: string, serviceAccount: string): string {
  return iamRoleName(`${clusterName}-${namespace}-${serviceAccount}`);
}

/** The role ARN that {@link workloadRoleName} gives, in a known account. */
export function workloadRoleArn(
  accountId: string,
  clusterName: string,
  namespace: string,
  serviceAccount: string,
  partition = "aws",
): string {
  return `arn:${partition}:iam::${accountId}:role/${workloadRoleName(clusterName, namespace, serviceAccount)}`;
}

/**
 * An IAM role that exactly one Kubernetes namespace/serviceaccount can assume.
 *
 * The trust policy pins the subject (IRSA `sub` and `aud`; Pod Identity session tags for
 * cluster, namespace and service account), so no other pod in any cluster of the account
 * can use it, even if someone creates a stray association.
 */
export class WorkloadIdentity extends Construct {
  readonly role: IamRole;
  readonly roleArn: string;
  readonly roleName: string;
  readonly mechanism: WorkloadIdentityMechanism;
  readonly namespace: string;
  readonly serviceAccount: string;

  constructor(scope: Construct, id: string, props: WorkloadIdentityProps) {
    super(scope, id);
    this.mechanism = props.mechanism ?? "pod-identity";
    this.namespace = props.namespace;
    this.serviceAccount = props.serviceAccount;
    requireProp(
      this.mechanism === "irsa" || this.mechanism === "pod-identity",
      "WorkloadIdentity",
      "mechanism",
      this.mechanism,
      'must be "irsa" or "pod-identity"',
    );
    for (const [prop, value] of [
      ["namespace", props.namespace],
      ["serviceAccount", props.serviceAccount],
    ] as const) {
      requireProp(
        K8S_NAME.test(value) && value.length <= 63,
        "WorkloadIdentity",
        prop,
        value,
        "must be a Kubernetes DNS label: lowercase letters, digits and '-', at most 63 characters",
      );
    }
    const statements = props.statements ?? [];
    checkStatements("WorkloadIdentity", "statements", statements);
    if (statements.length === 0 && (props.managedPolicyArns ?? []).length === 0) {
      throw new InvalidPropError(
        "WorkloadIdentity",
        "statements",
        [],
        "is empty and no managedPolicyArns are given; a workload identity needs at least one permission",
      );
    }

    const ctx = awsContext(this);
    const { cluster } = props;
    const trust =
      this.mechanism === "irsa"
        ? (() => {
            const issuer = Fn.replace(cluster.oidcIssuerUrl, "https://", "");
            return policyDocument(this, "Trust", [
              {
                actions: ["sts:AssumeRoleWithWebIdentity"],
                principals: [{ type: "Federated", identifiers: [cluster.oidcProviderArn] }],
                conditions: [
                  {
                    test: "StringEquals",
                    variable: `${issuer}:sub`,
                    values: [`system:serviceaccount:${props.namespace}:${props.serviceAccount}`],
                  },
                  { test: "StringEquals", variable: `${issuer}:aud`, values: ["sts.amazonaws.com"] },
                ],
              },
            ]);
          })()
        : policyDocument(this, "Trust", [
            {
              actions: ["sts:AssumeRole", "sts:TagSession"],
              principals: [{ type: "Service", identifiers: ["pods.eks.amazonaws.com"] }],
              conditions: [
                { test: "StringEquals", variable: "aws:SourceAccount", values: [ctx.accountId] },
                {
                  test: "StringEquals",
                  variable: "aws:RequestTag/eks-cluster-name",
                  values: [cluster.name],
                },
                {
                  test: "StringEquals",
                  variable: "aws:RequestTag/kubernetes-namespace",
                  values: [props.namespace],
                },
                {
                  test: "StringEquals",
                  variable: "aws:RequestTag/kubernetes-service-account",
                  values: [props.serviceAccount],
                },
              ],
            },
          ]);

    if (isToken(cluster.name)) {
      throw new InvalidPropError(
        "WorkloadIdentity",
        "cluster.name",
        cluster.name,
        "must be a plain string because the role name is derived from it; pass an EksCluster",
      );
    }
    this.roleName = workloadRoleName(cluster.name, props.namespace, props.serviceAccount);
    this.role = new IamRole(this, "Role", {
      name: this.roleName,
      description: `Workload identity for ${props.namespace}/${props.serviceAccount} (${this.mechanism})`,
      assumeRolePolicy: trust.json,
      maxSessionDuration: 3600,
    });
    this.roleArn = this.role.arn;

    if (statements.length > 0) {
      new IamRolePolicy(this, "Policy", {
        role: this.role.name,
        name: "workload",
        policy: policyDocument(this, "Permissions", statements).json,
      });
    }
    (props.managedPolicyArns ?? []).forEach((arn, i) => {
      new IamRolePolicyAttachment(this, `Managed${i}`, { role: this.role.name, policyArn: arn });
    });

    if (this.mechanism === "pod-identity" && (props.createAssociation ?? true)) {
      new EksPodIdentityAssociation(this, "Association", {
        clusterName: cluster.clusterName,
        namespace: props.namespace,
        serviceAccount: props.serviceAccount,
        roleArn: this.role.arn,
      });
    }
  }
}
