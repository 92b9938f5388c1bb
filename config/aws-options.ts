/**
 * The AWS vocabulary the environments are written in: node group settings, NAT modes and the
 * registry's naming. The constructs take these as props and re-export them; they are declared
 * here because config sits below every other folder and imports none of them.
 */

/** How private subnets reach the internet. */
export type NatGatewayMode = "one-per-az" | "single" | "none";

/** An ECR repository's name: `<prefix>/<name>`. The registry construct and CI's workflows both use it. */
export function ecrRepositoryName(prefix: string, name: string): string {
  return `${prefix}/${name}`;
}

/** A Kubernetes taint, in the EKS API's spelling. */
export interface NodeTaint {
  readonly key: string;
  readonly value?: string;
  readonly effect: "NO_SCHEDULE" | "NO_EXECUTE" | "PREFER_NO_SCHEDULE";
}

/** Node group settings that do not depend on the cluster; see `EksCluster.addNodeGroup`. */
export interface NodeGroupOptions {
  /** Node group name, unique in the cluster. */
  readonly name: string;
  /**
   * EC2 instance types; several let SPOT capacity find room.
   * @default ["m7i.large"]
   */
  readonly instanceTypes?: string[];
  /**
   * @default "ON_DEMAND"
   */
  readonly capacityType?: "ON_DEMAND" | "SPOT";
  /** @default 2 */
  readonly minSize?: number;
  /**
   * Initial size only; later changes are ignored because the cluster autoscaler owns it.
   * @default minSize
   */
  readonly desiredSize?: number;
  /** @default 4 */
  readonly maxSize?: number;
  /** @default none */
  readonly labels?: Record<string, string>;
  /** @default none */
  readonly taints?: NodeTaint[];
  /**
   * Share of nodes replaced at once during an update.
   * @default 33
   */
  readonly maxUnavailablePercentage?: number;
  /**
   * An Amazon Linux 2023 AMI type.
   * @default "AL2023_x86_64_STANDARD"
   */
  readonly amiType?: string;
  /** @default 50 */
  readonly rootVolumeSizeGiB?: number;
  /**
   * IMDSv2 hop limit. 1 keeps pods from reaching the node's credentials; 2 is for pods that truly need IMDS.
   * @default 1
   */
  readonly metadataHopLimit?: 1 | 2;
  /**
   * KMS key for the root volume.
   * @default the account's EBS default key (aws/ebs); the volume is encrypted either way
   */
  readonly volumeKmsKeyArn?: string;
  /**
   * Subnets for the nodes.
   * @default the cluster's node subnets
   */
  readonly subnetIds?: string[];
}
