import { POLICY_RULES } from "./policy-rules.js";
import { synthPlatformFiles, type TerraformJson } from "./synth.js";

/** Every synthesized stack's Terraform JSON, by stack name. */
function synthAll(): Record<string, TerraformJson> {
  return Object.fromEntries(
    Object.entries(synthPlatformFiles())
      .map(([path, text]) => [/^stacks\/([^/]+)\/cdk\.tf\.json$/.exec(path)?.[1], text] as const)
      .filter((e): e is readonly [string, string] => e[0] !== undefined)
      .map(([name, text]) => [name, JSON.parse(text)]),
  );
}

const stacks = synthAll();

describe("policy suite over every synthesized stack", () => {
  it("covers the state backend and every environment", () => {
    expect(Object.keys(stacks).sort()).toEqual(["platform-dev", "platform-prod", "state-backend"]);
  });

  describe.each(Object.keys(stacks))("%s", (stackName) => {
    it.each(Object.keys(POLICY_RULES))("%s", (rule) => {
      expect(POLICY_RULES[rule as keyof typeof POLICY_RULES](stacks[stackName])).toEqual([]);
    });
  });
});

/** Deliberately bad stacks: each rule must name the offending resource. */
describe("policy rules catch violations", () => {
  const ref = (type: string, name: string) => `\${${type}.${name}.id}`;
  const cases: [keyof typeof POLICY_RULES, TerraformJson, string][] = [
    [
      "no IAM * on *",
      { data: { aws_iam_policy_document: { admin: { statement: [{ actions: ["*"], resources: ["*"] }] } } } },
      'data.aws_iam_policy_document.admin: allows Action "*" on Resource "*"',
    ],
    [
      "no IAM * on *",
      {
        resource: {
          aws_iam_role_policy: {
            p: { policy: JSON.stringify({ Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] }) },
          },
        },
      },
      "aws_iam_role_policy.p.policy",
    ],
    [
      "no IAM * on *",
      {
        resource: {
          aws_iam_role_policy_attachment: {
            a: { policy_arn: "arn:aws:iam::aws:policy/AdministratorAccess" },
          },
        },
      },
      "AdministratorAccess",
    ],
    [
      "buckets encrypted and private",
      { resource: { aws_s3_bucket: { logs: { bucket: "x" } } } },
      "aws_s3_bucket.logs: not encrypted with KMS",
    ],
    [
      "buckets encrypted and private",
      {
        resource: {
          aws_s3_bucket: { b: {} },
          aws_s3_bucket_server_side_encryption_configuration: {
            e: {
              bucket: ref("aws_s3_bucket", "b"),
              rule: [{ apply_server_side_encryption_by_default: { sse_algorithm: "aws:kms" } }],
            },
          },
          aws_s3_bucket_public_access_block: {
            p: { bucket: ref("aws_s3_bucket", "b"), block_public_acls: true },
          },
        },
      },
      "aws_s3_bucket.b: public access not fully blocked",
    ],
    [
      "buckets encrypted and private",
      {
        data: {
          aws_iam_policy_document: {
            open: {
              statement: [{ actions: ["s3:GetObject"], principals: [{ type: "*", identifiers: ["*"] }] }],
            },
          },
        },
      },
      "data.aws_iam_policy_document.open: allows any principal",
    ],
    [
      "volumes encrypted",
      {
        resource: {
          aws_launch_template: {
            lt: { block_device_mappings: [{ device_name: "/dev/xvda", ebs: { encrypted: "false" } }] },
          },
        },
      },
      "aws_launch_template.lt: unencrypted /dev/xvda",
    ],
    [
      "IMDSv2 only",
      { resource: { aws_launch_template: { lt: { metadata_options: { http_tokens: "optional" } } } } },
      "aws_launch_template.lt: IMDSv1 allowed",
    ],
    [
      "no ingress from anywhere",
      {
        resource: {
          aws_security_group: {
            sg: { ingress: [{ from_port: 22, to_port: 22, cidr_blocks: ["0.0.0.0/0"] }] },
          },
        },
      },
      "aws_security_group.sg: ingress from anywhere",
    ],
    [
      "no ingress from anywhere",
      {
        resource: {
          aws_vpc_security_group_ingress_rule: {
            r: { cidr_ipv4: "0.0.0.0/0", from_port: 5432, to_port: 5432 },
          },
        },
      },
      "aws_vpc_security_group_ingress_rule.r: ingress from anywhere",
    ],
    [
      "flow logs on every VPC",
      { resource: { aws_vpc: { main: { cidr_block: "10.0.0.0/16" } } } },
      "aws_vpc.main: no flow logs",
    ],
    [
      "all control-plane logs",
      { resource: { aws_eks_cluster: { c: { enabled_cluster_log_types: ["api", "audit"] } } } },
      "aws_eks_cluster.c: control-plane logs missing",
    ],
    [
      "immutable, scanned registries",
      { resource: { aws_ecr_repository: { r: { image_tag_mutability: "MUTABLE" } } } },
      "aws_ecr_repository.r: mutable tags",
    ],
    [
      "immutable, scanned registries",
      {
        resource: {
          aws_ecr_repository: {
            r: { image_tag_mutability: "IMMUTABLE", image_scanning_configuration: { scan_on_push: false } },
          },
        },
      },
      "aws_ecr_repository.r: not scanned on push",
    ],
    [
      "every role has the permissions boundary",
      { resource: { aws_iam_role: { loose: { name: "x", assume_role_policy: "{}" } } } },
      "aws_iam_role.loose: no permissions boundary",
    ],
    [
      "no service-wide grant outside the platform's regions",
      {
        data: {
          aws_iam_policy_document: {
            apply: { statement: [{ actions: ["ec2:*", "s3:GetObject"], resources: ["*"] }] },
          },
        },
      },
      "data.aws_iam_policy_document.apply: allows ec2:* on every resource in every region",
    ],
    [
      "NetworkPolicy enforced",
      { resource: { aws_eks_addon: { cni: { addon_name: "vpc-cni" } } } },
      "aws_eks_addon.cni: vpc-cni does not enforce NetworkPolicy",
    ],
    [
      "NetworkPolicy enforced",
      {
        resource: {
          aws_eks_addon: {
            cni: { addon_name: "vpc-cni", configuration_values: '{"enableNetworkPolicy":"false"}' },
          },
        },
      },
      "aws_eks_addon.cni: vpc-cni does not enforce NetworkPolicy",
    ],
  ];

  it.each(cases)("%s flags %#", (rule, json, expected) => {
    expect(POLICY_RULES[rule](json).join("\n")).toContain(expected);
  });

  it("allows an explicit load-balancer listener on 443", () => {
    const listener = {
      resource: {
        aws_security_group: {
          lb: {
            ingress: [
              {
                description: "load-balancer listener HTTPS",
                from_port: 443,
                to_port: 443,
                cidr_blocks: ["0.0.0.0/0"],
              },
            ],
          },
        },
      },
    };
    expect(POLICY_RULES["no ingress from anywhere"](listener)).toEqual([]);
  });
});
