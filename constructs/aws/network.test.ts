import { DefaultSecurityGroup } from "@cdktf/provider-aws/lib/default-security-group/index.js";
import { FlowLog } from "@cdktf/provider-aws/lib/flow-log/index.js";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key/index.js";
import { NatGateway } from "@cdktf/provider-aws/lib/nat-gateway/index.js";
import { VpcEndpoint } from "@cdktf/provider-aws/lib/vpc-endpoint/index.js";
import { onlyResource, resources, synthAws } from "../../test/synth.js";
import { Network, type NetworkProps } from "./network.js";

const AZS = ["eu-west-1a", "eu-west-1b", "eu-west-1c"];

function network(props: Partial<NetworkProps> = {}) {
  return synthAws(
    (scope) => new Network(scope, "net", { name: "mp-test", availabilityZones: AZS, ...props }),
  );
}

describe("Network", () => {
  it("lays out public, private and intra subnets per AZ without overlap", () => {
    const { json } = network();
    const subnets = resources(json, "aws_subnet");
    expect(subnets).toHaveLength(9);
    const byTier = (tier: string) =>
      subnets
        .filter((s) => (s.tags as Record<string, string>)["meshpilot.io/tier"] === tier)
        .map((s) => [s.availability_zone, s.cidr_block]);
    expect(byTier("private")).toEqual([
      ["eu-west-1a", "10.0.0.0/19"],
      ["eu-west-1b", "10.0.32.0/19"],
      ["eu-west-1c", "10.0.64.0/19"],
    ]);
    expect(byTier("public")).toEqual([
      ["eu-west-1a", "10.0.192.0/22"],
      ["eu-west-1b", "10.0.196.0/22"],
      ["eu-west-1c", "10.0.200.0/22"],
    ]);
    expect(byTier("intra")).toEqual([
      ["eu-west-1a", "10.0.224.0/22"],
      ["eu-west-1b", "10.0.228.0/22"],
      ["eu-west-1c", "10.0.232.0/22"],
    ]);
  });

  it("never maps public IPs and tags subnets for EKS load balancers", () => {
    const { json } = network();
    const subnets = resources(json, "aws_subnet");
    for (const s of subnets) expect(s.map_public_ip_on_launch).toBe(false);
    const tags = subnets.map((s) => s.tags as Record<string, string>);
    expect(tags.filter((t) => t["kubernetes.io/role/elb"] === "1")).toHaveLength(3);
    expect(tags.filter((t) => t["kubernetes.io/role/internal-elb"] === "1")).toHaveLength(3);
    expect(
      tags.filter((t) => t["meshpilot.io/tier"] === "public").every((t) => t["kubernetes.io/role/elb"]),
    ).toBe(true);
  });

  it("locks the default security group with no rules", () => {
    const { json, text } = network();
    expect(text).toHaveResource(DefaultSecurityGroup);
    const sg = onlyResource(json, "aws_default_security_group");
    expect(sg.ingress).toBeUndefined();
    expect(sg.egress).toBeUndefined();
  });

  it("creates one NAT gateway per AZ by default, each private route table using its own", () => {
    const { json } = network();
    expect(resources(json, "aws_nat_gateway")).toHaveLength(3);
    const natRoutes = resources(json, "aws_route").filter((r) => r.nat_gateway_id);
    expect(new Set(natRoutes.map((r) => r.nat_gateway_id)).size).toBe(3);
    const igwRoutes = resources(json, "aws_route").filter((r) => r.gateway_id);
    expect(igwRoutes).toEqual([expect.objectContaining({ destination_cidr_block: "0.0.0.0/0" })]);
  });

  it("supports a single NAT gateway and none", () => {
    expect(resources(network({ natGateways: "single" }).json, "aws_nat_gateway")).toHaveLength(1);
    const none = network({ natGateways: "none" }).json;
    expect(none.resource?.[NatGateway.tfResourceType]).toBeUndefined();
    expect(resources(none, "aws_route").filter((r) => r.nat_gateway_id)).toHaveLength(0);
  });

  it("sends flow logs to a KMS-encrypted log group with retention", () => {
    const { json, text } = network();
    expect(text).toHaveResourceWithProperties(FlowLog, {
      traffic_type: "ALL",
      log_destination_type: "cloud-watch-logs",
    });
    const group = onlyResource(json, "aws_cloudwatch_log_group");
    expect(group.retention_in_days).toBe(90);
    expect(String(group.kms_key_id)).toMatch(/aws_kms_key\..+\.arn/);
    expect(text).toHaveResourceWithProperties(KmsKey, { enable_key_rotation: true });
  });

  it("can turn flow logs off only explicitly", () => {
    const { json } = network({ flowLogs: false });
    expect(json.resource?.[FlowLog.tfResourceType]).toBeUndefined();
  });

  it("always adds the S3 gateway endpoint; interface endpoints on request", () => {
    const plain = network();
    expect(resources(plain.json, "aws_vpc_endpoint")).toEqual([
      expect.objectContaining({ vpc_endpoint_type: "Gateway" }),
    ]);
    const withEndpoints = network({ interfaceEndpoints: true });
    expect(withEndpoints.text).toHaveResourceWithProperties(VpcEndpoint, {
      vpc_endpoint_type: "Interface",
      private_dns_enabled: true,
    });
    expect(resources(withEndpoints.json, "aws_vpc_endpoint")).toHaveLength(5);
    const sg = onlyResource(withEndpoints.json, "aws_security_group");
    expect(sg.ingress).toEqual([expect.objectContaining({ from_port: 443, cidr_blocks: ["10.0.0.0/16"] })]);
  });

  it("accepts explicit subnet blocks", () => {
    const { json } = network({
      cidr: "10.20.0.0/16",
      availabilityZones: AZS.slice(0, 2),
      privateSubnetCidrs: ["10.20.0.0/18", "10.20.64.0/18"],
      publicSubnetCidrs: ["10.20.128.0/24", "10.20.129.0/24"],
      intraSubnetCidrs: ["10.20.130.0/24", "10.20.131.0/24"],
    });
    expect(resources(json, "aws_subnet").map((s) => s.cidr_block)).toContain("10.20.64.0/18");
  });

  describe("validation", () => {
    it.each([
      [{ availabilityZones: ["a"] }, "Network: 'availabilityZones' is [\"a\"] but must list 2 to 6 zones"],
      [{ availabilityZones: ["a", "a"] }, "must not repeat a zone"],
      [
        { cidr: "10.0.0.0/8" },
        "Network: 'cidr' is \"10.0.0.0/8\" but must be an aligned IPv4 block from /16 to /20",
      ],
      [{ cidr: "10.0.0.1/16" }, "'cidr' is \"10.0.0.1/16\""],
      [
        { natGateways: "two" as never },
        '\'natGateways\' is "two" but must be "one-per-az", "single" or "none"',
      ],
      [
        { flowLogRetentionDays: 10 },
        "'flowLogRetentionDays' is 10 but must be one of CloudWatch's retention periods",
      ],
      [
        { publicSubnetCidrs: ["10.0.1.0/24"] },
        "'publicSubnetCidrs' is [\"10.0.1.0/24\"] but must hold one block per",
      ],
      [
        { publicSubnetCidrs: ["10.1.0.0/24", "10.1.1.0/24", "10.1.2.0/24"] },
        "'publicSubnetCidrs[0]' is \"10.1.0.0/24\" but must be an aligned block inside 10.0.0.0/16",
      ],
      [
        { publicSubnetCidrs: ["10.0.0.0/24", "10.0.250.0/24", "10.0.251.0/24"] },
        '\'subnet CIDRs\' is ["privateSubnetCidrs[0] 10.0.0.0/19","publicSubnetCidrs[0] 10.0.0.0/24"] but overlap',
      ],
    ])("rejects %j", (props, message) => {
      expect(() => network(props as Partial<NetworkProps>)).toThrow(message);
    });
  });
});
