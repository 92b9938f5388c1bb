import { LaunchTemplate } from "@cdktf/provider-aws/lib/launch-template/index.js";
import { testCluster } from "../../test/fixtures.js";
import { onlyResource, resources, synthAws } from "../../test/synth.js";
import type { NodeGroupOptions } from "./node-group.js";

function nodeGroup(options: Partial<NodeGroupOptions> = {}) {
  const out = synthAws((scope) => testCluster(scope).addNodeGroup("ng", { name: "general", ...options }));
  return {
    ...out,
    group: onlyResource(out.json, "aws_eks_node_group"),
    template: onlyResource(out.json, "aws_launch_template"),
  };
}

describe("NodeGroup", () => {
  it("requires IMDSv2 with hop limit 1", () => {
    const { template } = nodeGroup();
    expect(template.metadata_options).toEqual({
      http_endpoint: "enabled",
      http_tokens: "required",
      http_put_response_hop_limit: 1,
      instance_metadata_tags: "disabled",
    });
  });

  it("allows hop limit 2 explicitly", () => {
    const { text } = nodeGroup({ metadataHopLimit: 2 });
    expect(text).toHaveResourceWithProperties(LaunchTemplate, {
      metadata_options: expect.objectContaining({ http_put_response_hop_limit: 2, http_tokens: "required" }),
    });
  });

  it("encrypts a gp3 root volume and has no SSH key", () => {
    const { template } = nodeGroup();
    expect(template.block_device_mappings).toEqual([
      {
        device_name: "/dev/xvda",
        ebs: { volume_size: 50, volume_type: "gp3", encrypted: "true", delete_on_termination: "true" },
      },
    ]);
    expect(template.key_name).toBeUndefined();
  });

  it("runs AL2023 with the given capacity, labels, taints and update config", () => {
    const { group } = nodeGroup({
      capacityType: "SPOT",
      instanceTypes: ["m7i.large", "m6i.large"],
      labels: { pool: "general" },
      taints: [{ key: "dedicated", value: "mesh", effect: "NO_SCHEDULE" }],
      minSize: 1,
      desiredSize: 2,
      maxSize: 5,
    });
    expect(group).toEqual(
      expect.objectContaining({
        ami_type: "AL2023_x86_64_STANDARD",
        capacity_type: "SPOT",
        instance_types: ["m7i.large", "m6i.large"],
        labels: { pool: "general" },
        taint: [{ key: "dedicated", value: "mesh", effect: "NO_SCHEDULE" }],
        scaling_config: { min_size: 1, desired_size: 2, max_size: 5 },
        update_config: { max_unavailable_percentage: 33 },
        subnet_ids: ["subnet-a", "subnet-b"],
        version: "1.34",
      }),
    );
    expect(group.remote_access).toBeUndefined();
  });

  it("ignores desired size after creation, because the autoscaler owns it", () => {
    const { group } = nodeGroup();
    expect(group.lifecycle).toEqual({ ignore_changes: ["scaling_config[0].desired_size"] });
  });

  it("gives the node role only the worker, ECR read-only and SSM policies", () => {
    const { json } = nodeGroup();
    const attached = resources(json, "aws_iam_role_policy_attachment")
      .filter((a) => String(a.role).includes("ng_NodeRole"))
      .map((a) => String(a.policy_arn).split("/").pop());
    expect(attached.sort()).toEqual([
      "AmazonEC2ContainerRegistryReadOnly",
      "AmazonEKSWorkerNodePolicy",
      "AmazonSSMManagedInstanceCore",
    ]);
    expect(
      resources(json, "aws_iam_role_policy").filter((p) => String(p.role).includes("ng_NodeRole")),
    ).toEqual([]);
  });

  describe("validation", () => {
    it.each([
      [
        { minSize: 3, desiredSize: 2, maxSize: 4 },
        '\'desiredSize\' is {"minSize":3,"desiredSize":2,"maxSize":4}',
      ],
      [{ minSize: 1, desiredSize: 5, maxSize: 4 }, "must satisfy minSize <= desiredSize <= maxSize"],
      [
        { amiType: "AL2_x86_64" },
        "NodeGroup(general): 'amiType' is \"AL2_x86_64\" but must be an Amazon Linux 2023",
      ],
      [{ metadataHopLimit: 3 as never }, "'metadataHopLimit' is 3 but must be 1 (default) or 2"],
      [{ instanceTypes: [] }, "'instanceTypes' is [] but must name at least one instance type"],
      [{ capacityType: "RESERVED" as never }, "'capacityType' is \"RESERVED\""],
      [{ taints: [{ key: "k", effect: "NoSchedule" as never }] }, "'taints[0].effect' is \"NoSchedule\""],
      [{ rootVolumeSizeGiB: 8 }, "'rootVolumeSizeGiB' is 8"],
    ])("rejects %j", (options, message) => {
      expect(() => nodeGroup(options as Partial<NodeGroupOptions>)).toThrow(message);
    });
  });
});
