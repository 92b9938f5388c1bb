import { EksAccessEntry } from "@cdktf/provider-aws/lib/eks-access-entry/index.js";
import { EksAccessPolicyAssociation } from "@cdktf/provider-aws/lib/eks-access-policy-association/index.js";
import { EksAddon } from "@cdktf/provider-aws/lib/eks-addon/index.js";
import { EksCluster as EksClusterResource } from "@cdktf/provider-aws/lib/eks-cluster/index.js";
import { IamOpenidConnectProvider } from "@cdktf/provider-aws/lib/iam-openid-connect-provider/index.js";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role/index.js";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment/index.js";
import { Token } from "cdktf";
// cdktf turns `dependsOn` entries into bare references only through this helper, which it does not re-export.
import { dependable } from "cdktf/lib/tfExpression.js";
import { Construct } from "constructs";
import { awsContext } from "./aws-context.js";
import { EncryptionKey } from "./encryption-key.js";
import { InvalidPropError, requireProp } from "./errors.js";
import { checkRetentionDays, encryptedLogGroup } from "./log-group.js";
import { NodeGroup, type NodeGroupOptions } from "./node-group.js";
import { policyDocument } from "./policy.js";
import { WorkloadIdentity } from "./workload-identity.js";

/** Kubernetes versions EKS supports that Meshpilot is tested against. */
export const SUPPORTED_KUBERNETES_VERSIONS = ["1.32", "1.33", "1.34", "1.35"] as const;
export type KubernetesVersion = (typeof SUPPORTED_KUBERNETES_VERSIONS)[number];
export const DEFAULT_KUBERNETES_VERSION: KubernetesVersion = "1.34";

/** Every control-plane log type EKS can emit. */
export const CONTROL_PLANE_LOG_TYPES = [
  "api",
  "audit",
  "authenticator",
  "controllerManager",
  "scheduler",
] as const;

/** The managed add-ons every Meshpilot cluster runs. */
export type ManagedAddon =
  | "vpc-cni"
  | "kube-proxy"
  | "eks-pod-identity-agent"
  | "coredns"
  | "aws-ebs-csi-driver";

const CLUSTER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_-]{0,99}$/;

/**
 * The VPC CNI add-on's configuration (its `configuration_values` schema): the node agent enforces
 * NetworkPolicy, and logs each denied flow so a policy that blocks too much shows up in the node logs.
 */
export function vpcCniConfiguration(enforceNetworkPolicy: boolean): Record<string, unknown> {
  return enforceNetworkPolicy
    ? { enableNetworkPolicy: "true", nodeAgent: { enablePolicyEventLogs: "true" } }
    : { enableNetworkPolicy: "false" };
}

/** Subnets a cluster lives in; a `Network` satisfies this through `clusterNetwork()`, or bring your own. */
export interface ClusterNetwork {
  /** Private subnets for nodes. */
  readonly nodeSubnetIds: string[];
  /** Subnets for the control-plane network interfaces; intra subnets, with no internet route. */
  readonly controlPlaneSubnetIds: string[];
}

/** An IAM principal and the Kubernetes groups its access entry puts it in. */
export interface GroupPrincipal {
  readonly principalArn: string;
  readonly groups: readonly string[];
}

export interface EksClusterProps {
  /** Cluster name; also the prefix of its IAM roles and log group. */
  readonly name: string;
  readonly network: ClusterNetwork;
  /**
   * Kubernetes minor version.
   * @default DEFAULT_KUBERNETES_VERSION
   */
  readonly kubernetesVersion?: string;
  /**
   * CIDRs allowed to reach the public API endpoint. Any entry turns the public endpoint on;
   * the private endpoint stays on either way.
   * @default none: the endpoint is private only
   */
  readonly publicAccessCidrs?: string[];
  /**
   * Required to put `0.0.0.0/0` in `publicAccessCidrs`.
   * @default false
   */
  readonly acknowledgePublicAccessFromAnywhere?: boolean;
  /**
   * IAM principals (users or roles) that get cluster-admin through access entries.
   * The identity that runs Terraform gets nothing implicitly.
   * @default none
   */
  readonly adminPrincipalArns?: string[];
  /**
   * IAM principals that may read the cluster (`AmazonEKSViewPolicy`), such as CI's plan role, which
   * must read the objects Terraform manages in the cluster to plan them.
   * @default none
   */
  readonly viewerPrincipalArns?: string[];
  /**
   * IAM principals that join Kubernetes groups and get no EKS access policy: what a group may do is
   * the RBAC the GitOps tree binds to its name, so the grant can be as narrow as one resource kind.
   * Group names may not start with `system:` (EKS refuses them).
   * @default none
   */
  readonly groupPrincipals?: readonly GroupPrincipal[];
  /**
   * Control-plane log retention, in days.
   * @default 90
   */
  readonly logRetentionDays?: number;
  /**
   * Pin add-on versions. An add-on left out gets EKS's default version for the cluster's Kubernetes version.
   * @default EKS's defaults
   */
  readonly addonVersions?: Partial<Record<ManagedAddon, string>>;
  /**
   * Have the VPC CNI's node agent enforce NetworkPolicy. Without it EKS accepts NetworkPolicy
   * objects and ignores them, so every namespace default-deny in the GitOps tree would be decoration.
   * @default true
   */
  readonly enforceNetworkPolicy?: boolean;
  /**
   * Required to set `enforceNetworkPolicy: false` (say, because another CNI such as Cilium enforces policy).
   * @default false
   */
  readonly acknowledgeNetworkPolicyNotEnforced?: boolean;
  /**
   * Refuse `terraform destroy` of the cluster until this is turned off.
   * @default true
   */
  readonly deletionProtection?: boolean;
}

/**
 * An EKS cluster with a private API endpoint, envelope-encrypted secrets, every control-plane
 * log, API-only access entries, IRSA and Pod Identity, and the core managed add-ons.
 */
export class EksCluster extends Construct {
  readonly cluster: EksClusterResource;
  /** The cluster name as a plain string, for deriving other names. */
  readonly name: string;
  /** The cluster name as a Terraform reference, so dependants wait for the cluster. */
  readonly clusterName: string;
  readonly endpoint: string;
  readonly certificateAuthorityData: string;
  readonly oidcIssuerUrl: string;
  readonly oidcProviderArn: string;
  readonly kubernetesVersion: string;
  readonly clusterRoleArn: string;
  readonly secretsKey: EncryptionKey;
  readonly network: ClusterNetwork;
  readonly addons: Record<ManagedAddon, EksAddon>;
  readonly nodeGroups: NodeGroup[] = [];

  /** Add-ons that need running nodes; they wait for every node group added here. */
  private readonly computeAddons: EksAddon[];

  constructor(scope: Construct, id: string, props: EksClusterProps) {
    super(scope, id);
    const version = props.kubernetesVersion ?? DEFAULT_KUBERNETES_VERSION;
    const publicCidrs = props.publicAccessCidrs ?? [];
    const retentionDays = props.logRetentionDays ?? 90;
    this.kubernetesVersion = version;
    this.network = props.network;
    this.name = props.name;

    requireProp(
      CLUSTER_NAME.test(props.name),
      "EksCluster",
      "name",
      props.name,
      "must start with a letter or digit and hold only letters, digits, '-' and '_' (at most 100)",
    );
    requireProp(
      (SUPPORTED_KUBERNETES_VERSIONS as readonly string[]).includes(version),
      "EksCluster",
      "kubernetesVersion",
      version,
      `must be one of ${SUPPORTED_KUBERNETES_VERSIONS.join(", ")}`,
    );
    if (publicCidrs.includes("0.0.0.0/0") && !props.acknowledgePublicAccessFromAnywhere) {
      throw new InvalidPropError(
        "EksCluster",
        "publicAccessCidrs",
        publicCidrs,
        "opens the API endpoint to the whole internet; list your office or VPN CIDRs, or set acknowledgePublicAccessFromAnywhere: true",
      );
    }
    requireProp(
      props.network.nodeSubnetIds.length >= 2,
      "EksCluster",
      "network.nodeSubnetIds",
      props.network.nodeSubnetIds,
      "must hold at least two subnets in different availability zones",
    );
    requireProp(
      props.network.controlPlaneSubnetIds.length >= 2,
      "EksCluster",
      "network.controlPlaneSubnetIds",
      props.network.controlPlaneSubnetIds,
      "must hold at least two subnets in different availability zones",
    );
    checkRetentionDays("EksCluster", "logRetentionDays", retentionDays);
    const enforceNetworkPolicy = props.enforceNetworkPolicy ?? true;
    if (!enforceNetworkPolicy && !props.acknowledgeNetworkPolicyNotEnforced) {
      throw new InvalidPropError(
        "EksCluster",
        "enforceNetworkPolicy",
        false,
        "leaves every NetworkPolicy unenforced; keep it true, or set acknowledgeNetworkPolicyNotEnforced: true if another CNI enforces policy",
      );
    }

    const clusterRole = new IamRole(this, "ClusterRole", {
      name: `${props.name}-cluster`,
      assumeRolePolicy: policyDocument(this, "ClusterTrust", [
        {
          actions: ["sts:AssumeRole", "sts:TagSession"],
          principals: [{ type: "Service", identifiers: ["eks.amazonaws.com"] }],
        },
      ]).json,
    });
    const ctx = awsContext(this);
    const clusterPolicy = new IamRolePolicyAttachment(this, "ClusterPolicy", {
      role: clusterRole.name,
      policyArn: `arn:${ctx.partition}:iam::aws:policy/AmazonEKSClusterPolicy`,
    });
    this.clusterRoleArn = clusterRole.arn;

    this.secretsKey = new EncryptionKey(this, "Key", {
      description: `${props.name} EKS secrets and control-plane logs`,
      alias: `${props.name}/eks`,
      allowCloudWatchLogs: true,
    });
    // EKS writes to this exact name; creating it first is what lets us set retention and encryption.
    const logGroup = encryptedLogGroup(this, "ControlPlaneLogs", {
      name: `/aws/eks/${props.name}/cluster`,
      retentionDays,
      kmsKeyArn: this.secretsKey.keyArn,
    });

    this.cluster = new EksClusterResource(this, "Cluster", {
      name: props.name,
      version,
      roleArn: clusterRole.arn,
      vpcConfig: {
        subnetIds: props.network.controlPlaneSubnetIds,
        endpointPrivateAccess: true,
        endpointPublicAccess: publicCidrs.length > 0,
        publicAccessCidrs: publicCidrs.length > 0 ? publicCidrs : undefined,
      },
      encryptionConfig: { provider: { keyArn: this.secretsKey.keyArn }, resources: ["secrets"] },
      enabledClusterLogTypes: [...CONTROL_PLANE_LOG_TYPES],
      accessConfig: { authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: false },
      deletionProtection: props.deletionProtection ?? true,
      upgradePolicy: { supportType: "STANDARD" },
      dependsOn: [logGroup, clusterPolicy],
    });
    this.clusterName = this.cluster.name;
    this.endpoint = this.cluster.endpoint;
    this.certificateAuthorityData = this.cluster.certificateAuthority.get(0).data;
    this.oidcIssuerUrl = this.cluster.identity.get(0).oidc.get(0).issuer;

    const oidc = new IamOpenidConnectProvider(this, "OidcProvider", {
      url: this.oidcIssuerUrl,
      clientIdList: ["sts.amazonaws.com"],
    });
    this.oidcProviderArn = oidc.arn;

    const grant = (kind: "admin" | "viewer", principalArns: string[], policy: string) =>
      principalArns.forEach((principalArn, i) => {
        // A role created in the same stack is a token until apply; its ARN is well formed by construction.
        requireProp(
          Token.isUnresolved(principalArn) ||
            /^arn:aws[a-z-]*:iam::\d{12}:(role|user)\/.+$/.test(principalArn),
          "EksCluster",
          `${kind}PrincipalArns[${i}]`,
          principalArn,
          "must be an IAM role or user ARN",
        );
        const id = kind === "admin" ? "Admin" : "Viewer";
        const entry = new EksAccessEntry(this, `${id}Entry${i}`, {
          clusterName: this.cluster.name,
          principalArn,
          type: "STANDARD",
        });
        new EksAccessPolicyAssociation(this, `${id}Policy${i}`, {
          clusterName: this.cluster.name,
          principalArn: entry.principalArn,
          policyArn: `arn:${ctx.partition}:eks::aws:cluster-access-policy/${policy}`,
          accessScope: { type: "cluster" },
        });
      });
    grant("admin", props.adminPrincipalArns ?? [], "AmazonEKSClusterAdminPolicy");
    grant("viewer", props.viewerPrincipalArns ?? [], "AmazonEKSViewPolicy");
    (props.groupPrincipals ?? []).forEach((p, i) => {
      requireProp(
        Token.isUnresolved(p.principalArn) ||
          /^arn:aws[a-z-]*:iam::\d{12}:(role|user)\/.+$/.test(p.principalArn),
        "EksCluster",
        `groupPrincipals[${i}].principalArn`,
        p.principalArn,
        "must be an IAM role or user ARN",
      );
      requireProp(
        p.groups.length > 0 &&
          p.groups.every((g) => /^[a-z0-9][a-z0-9:._-]{0,62}$/.test(g) && !g.startsWith("system:")),
        "EksCluster",
        `groupPrincipals[${i}].groups`,
        p.groups,
        "must name at least one group of lowercase letters, digits and : . _ -, none starting with system:",
      );
      new EksAccessEntry(this, `GroupEntry${i}`, {
        clusterName: this.cluster.name,
        principalArn: p.principalArn,
        type: "STANDARD",
        kubernetesGroups: [...p.groups],
      });
    });

    // vpc-cni uses IRSA: nodes need it before anything else runs, so it must not wait on the Pod Identity agent.
    const cniIdentity = new WorkloadIdentity(this, "VpcCniIdentity", {
      cluster: this,
      namespace: "kube-system",
      serviceAccount: "aws-node",
      mechanism: "irsa",
      managedPolicyArns: [`arn:${ctx.partition}:iam::aws:policy/AmazonEKS_CNI_Policy`],
    });
    const ebsIdentity = new WorkloadIdentity(this, "EbsCsiIdentity", {
      cluster: this,
      namespace: "kube-system",
      serviceAccount: "ebs-csi-controller-sa",
      mechanism: "pod-identity",
      createAssociation: false,
      managedPolicyArns: [`arn:${ctx.partition}:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy`],
    });

    const addon = (name: ManagedAddon, extra: Partial<ConstructorParameters<typeof EksAddon>[2]> = {}) =>
      new EksAddon(this, `Addon-${name}`, {
        clusterName: this.cluster.name,
        addonName: name,
        addonVersion: props.addonVersions?.[name],
        resolveConflictsOnCreate: "OVERWRITE",
        resolveConflictsOnUpdate: "OVERWRITE",
        ...extra,
      });
    const podIdentityAgent = addon("eks-pod-identity-agent");
    this.addons = {
      "vpc-cni": addon("vpc-cni", {
        serviceAccountRoleArn: cniIdentity.roleArn,
        configurationValues: JSON.stringify(vpcCniConfiguration(enforceNetworkPolicy)),
      }),
      "kube-proxy": addon("kube-proxy"),
      "eks-pod-identity-agent": podIdentityAgent,
      coredns: addon("coredns"),
      "aws-ebs-csi-driver": addon("aws-ebs-csi-driver", {
        podIdentityAssociation: [{ roleArn: ebsIdentity.roleArn, serviceAccount: "ebs-csi-controller-sa" }],
        dependsOn: [podIdentityAgent],
      }),
    };
    this.computeAddons = [this.addons.coredns, this.addons["aws-ebs-csi-driver"]];
  }

  /**
   * Adds a managed node group. Node groups wait for the networking add-ons, and the add-ons
   * that need nodes (CoreDNS, EBS CSI) wait for every node group.
   */
  addNodeGroup(id: string, options: NodeGroupOptions): NodeGroup {
    const group = new NodeGroup(this, id, { ...options, cluster: this });
    this.nodeGroups.push(group);
    for (const a of this.computeAddons) a.dependsOn = [...(a.dependsOn ?? []), dependable(group.nodeGroup)];
    return group;
  }

  /** The `aws eks update-kubeconfig` command for this cluster. */
  kubeconfigCommand(region: string): string {
    return `aws eks update-kubeconfig --region ${region} --name ${this.name}`;
  }
}
