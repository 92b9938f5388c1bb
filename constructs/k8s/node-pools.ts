import { EC2NodeClass } from "@kubernetes-models/karpenter/karpenter.k8s.aws/v1/EC2NodeClass";
import { NodePool } from "@kubernetes-models/karpenter/karpenter.sh/v1/NodePool";
import type { Construct } from "constructs";
import type { NodeGroupOptions } from "../../config/aws-options.js";
import { KARPENTER_DISCOVERY_TAG } from "../aws/addon-names.js";
import { addTyped } from "./typed.js";

export interface NodePoolsProps {
  /** The cluster's name: its discovery tag selects subnets and security groups. */
  readonly clusterName: string;
  /** The IAM role Karpenter's nodes run as (`karpenterNames(cluster).nodeRole`). */
  readonly nodeRole: string;
  /** The environment's node groups; each gets a NodePool that grows it beyond its managed minimum. */
  readonly nodeGroups: readonly NodeGroupOptions[];
  /** Sync wave: after the Karpenter chart, whose CRDs these need. */
  readonly wave: number;
}

const TAINT_EFFECTS = {
  NO_SCHEDULE: "NoSchedule",
  NO_EXECUTE: "NoExecute",
  PREFER_NO_SCHEDULE: "PreferNoSchedule",
};

/** vCPUs of an EC2 size (`large` 2, `xlarge` 4, `4xlarge` 16), to turn a node count into a CPU limit. */
export function vcpusOf(instanceType: string): number {
  const size = instanceType.split(".")[1] ?? "";
  const m = /^(\d*)xlarge$/.exec(size);
  if (m) return 4 * Number(m[1] || 1);
  const small: Record<string, number> = { medium: 1, large: 2 };
  if (small[size] === undefined)
    throw new Error(
      `NodePools: instance type '${instanceType}' has a size ('${size}') whose vCPUs are not known; use a large or Nxlarge size`,
    );
  return small[size];
}

/**
 * One Karpenter NodePool and EC2NodeClass per node group, derived from the same settings: its
 * instance types, capacity type, labels and taints, and a CPU limit of `maxSize` of its largest
 * type. The node class keeps the node groups' secure defaults: Amazon Linux 2023, IMDSv2 only with
 * a hop limit of 1 (pods cannot reach the node's credentials), an encrypted gp3 root volume.
 */
export function nodePools(scope: Construct, props: NodePoolsProps): void {
  const annotations = {
    "argocd.argoproj.io/sync-wave": String(props.wave),
    // The CRDs come with the Karpenter chart in the same sync; dry-run would find them missing.
    "argocd.argoproj.io/sync-options": "SkipDryRunOnMissingResource=true",
  };
  const discovery = { [KARPENTER_DISCOVERY_TAG]: props.clusterName };
  for (const group of props.nodeGroups) {
    const types = group.instanceTypes ?? ["m7i.large"];
    const hopLimit = group.metadataHopLimit ?? 1;
    addTyped(
      scope,
      `NodeClass-${group.name}`,
      new EC2NodeClass({
        metadata: { name: group.name, annotations },
        spec: {
          role: props.nodeRole,
          amiSelectorTerms: [{ alias: "al2023@latest" }],
          subnetSelectorTerms: [{ tags: discovery }],
          securityGroupSelectorTerms: [{ tags: discovery }],
          metadataOptions: {
            httpEndpoint: "enabled",
            httpProtocolIPv6: "disabled",
            httpPutResponseHopLimit: hopLimit,
            httpTokens: "required",
          },
          blockDeviceMappings: [
            {
              deviceName: "/dev/xvda",
              ebs: {
                volumeSize: `${group.rootVolumeSizeGiB ?? 50}Gi`,
                volumeType: "gp3",
                encrypted: true,
                deleteOnTermination: true,
                ...(group.volumeKmsKeyArn ? { kmsKeyID: group.volumeKmsKeyArn } : {}),
              },
            },
          ],
          tags: { "meshpilot.io/node-group": group.name },
        },
      }),
    );
    addTyped(
      scope,
      `NodePool-${group.name}`,
      new NodePool({
        metadata: { name: group.name, annotations },
        spec: {
          template: {
            metadata: { labels: { ...group.labels } },
            spec: {
              nodeClassRef: { group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: group.name },
              requirements: [
                { key: "node.kubernetes.io/instance-type", operator: "In", values: [...types] },
                {
                  key: "karpenter.sh/capacity-type",
                  operator: "In",
                  values: [group.capacityType === "SPOT" ? "spot" : "on-demand"],
                },
              ],
              taints: (group.taints ?? []).map((t) => ({
                key: t.key,
                ...(t.value === undefined ? {} : { value: t.value }),
                effect: TAINT_EFFECTS[t.effect] as "NoSchedule",
              })),
              // Nodes are replaced monthly, so none runs an old AMI or kernel for long.
              expireAfter: "720h",
            },
          },
          limits: { cpu: String((group.maxSize ?? 4) * Math.max(...types.map(vcpusOf))) },
          disruption: {
            consolidationPolicy: "WhenEmptyOrUnderutilized",
            consolidateAfter: "5m",
            // At most one node in ten is disrupted at once, so PDBs have room to hold.
            budgets: [{ nodes: "10%" }],
          },
        },
      }),
    );
  }
}
