/**
 * The platform's security policy, checked over synthesized Terraform JSON.
 *
 * Each rule returns human-readable violations naming the resource, so a failing test says
 * exactly what to fix. test/policy.test.ts runs the rules over every stack, and proves each
 * rule fires on a deliberately bad stack.
 */
import type { TerraformJson } from "./synth.js";

type Body = Record<string, unknown>;

function each(json: TerraformJson, type: string): [string, Body][] {
  return Object.entries(json.resource?.[type] ?? {}) as [string, Body][];
}

/** `${aws_vpc.Name.id}` → "Name", when the value references a resource of `type`. */
function referencedName(value: unknown, type: string): string | undefined {
  const m = new RegExp(`\\$\\{${type}\\.([^.}]+)\\.`).exec(String(value));
  return m?.[1];
}

function asList<T>(value: T | T[] | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** Every statement of every policy in the stack: policy-document data sources and inline JSON policies. */
function statements(json: TerraformJson): { where: string; statement: Body }[] {
  const found: { where: string; statement: Body }[] = [];
  for (const [name, doc] of Object.entries(json.data?.aws_iam_policy_document ?? {})) {
    for (const s of asList((doc as Body).statement as Body[]))
      found.push({ where: `data.aws_iam_policy_document.${name}`, statement: s });
  }
  for (const type of ["aws_iam_role_policy", "aws_iam_policy", "aws_iam_role"]) {
    for (const [name, body] of each(json, type)) {
      for (const field of ["policy", "assume_role_policy"]) {
        const text = body[field];
        if (typeof text !== "string" || text.startsWith("${")) continue;
        const parsed = JSON.parse(text) as { Statement?: Body | Body[] };
        for (const s of asList(parsed.Statement)) {
          found.push({
            where: `${type}.${name}.${field}`,
            statement: { actions: s.Action, resources: s.Resource, effect: s.Effect },
          });
        }
      }
    }
  }
  return found;
}

export function wildcardIamStatements(json: TerraformJson): string[] {
  const violations = statements(json)
    .filter(({ statement: s }) => (s.effect ?? "Allow") === "Allow")
    .filter(
      ({ statement: s }) =>
        asList(s.actions as string[]).includes("*") && asList(s.resources as string[]).includes("*"),
    )
    .map(({ where }) => `${where}: allows Action "*" on Resource "*"`);
  for (const [name, body] of each(json, "aws_iam_role_policy_attachment")) {
    if (String(body.policy_arn).endsWith(":policy/AdministratorAccess"))
      violations.push(`aws_iam_role_policy_attachment.${name}: AdministratorAccess`);
  }
  return violations;
}

export function unprotectedBuckets(json: TerraformJson): string[] {
  const violations: string[] = [];
  const byBucket = (type: string) =>
    new Map(each(json, type).map(([, b]) => [referencedName(b.bucket, "aws_s3_bucket"), b]));
  const sse = byBucket("aws_s3_bucket_server_side_encryption_configuration");
  const blocks = byBucket("aws_s3_bucket_public_access_block");
  for (const [name] of each(json, "aws_s3_bucket")) {
    const rules = asList(sse.get(name)?.rule as Body[]);
    const algorithm = (rules[0]?.apply_server_side_encryption_by_default as Body | undefined)?.sse_algorithm;
    if (algorithm !== "aws:kms" && algorithm !== "aws:kms:dsse")
      violations.push(`aws_s3_bucket.${name}: not encrypted with KMS`);
    const block = blocks.get(name);
    const allBlocked = [
      "block_public_acls",
      "block_public_policy",
      "ignore_public_acls",
      "restrict_public_buckets",
    ].every((k) => block?.[k] === true);
    if (!allBlocked) violations.push(`aws_s3_bucket.${name}: public access not fully blocked`);
    if (
      each(json, "aws_s3_bucket_acl").some(
        ([, b]) => referencedName(b.bucket, "aws_s3_bucket") === name && /public/.test(String(b.acl)),
      )
    ) {
      violations.push(`aws_s3_bucket.${name}: public ACL`);
    }
  }
  // A policy that allows everyone must be narrowed to named principals.
  for (const { where, statement: s } of statements(json)) {
    const everyone = asList(s.principals as Body[]).some(
      (p) => p.type === "*" || asList(p.identifiers as string[]).includes("*"),
    );
    const narrowed = asList(s.condition as Body[]).some((c) =>
      /^aws:(PrincipalArn|PrincipalAccount|PrincipalOrgID|SourceAccount)$/.test(String(c.variable)),
    );
    if ((s.effect ?? "Allow") === "Allow" && everyone && !narrowed)
      violations.push(`${where}: allows any principal`);
  }
  return violations;
}

export function unencryptedVolumes(json: TerraformJson): string[] {
  const violations: string[] = [];
  for (const [name, body] of each(json, "aws_launch_template")) {
    for (const mapping of asList(body.block_device_mappings as Body[])) {
      const ebs = mapping.ebs as Body | undefined;
      if (ebs && String(ebs.encrypted) !== "true")
        violations.push(`aws_launch_template.${name}: unencrypted ${mapping.device_name}`);
    }
  }
  for (const [name, body] of each(json, "aws_ebs_volume")) {
    if (body.encrypted !== true) violations.push(`aws_ebs_volume.${name}: unencrypted`);
  }
  return violations;
}

export function imdsV1(json: TerraformJson): string[] {
  const violations: string[] = [];
  for (const type of ["aws_launch_template", "aws_instance"]) {
    for (const [name, body] of each(json, type)) {
      if ((body.metadata_options as Body | undefined)?.http_tokens !== "required")
        violations.push(`${type}.${name}: IMDSv1 allowed`);
    }
  }
  return violations;
}

const ANYWHERE = ["0.0.0.0/0", "::/0"];
/** The one exception: an ingress rule described as a load-balancer listener on 80 or 443. */
function isListener(rule: Body): boolean {
  return (
    /^load-balancer listener/i.test(String(rule.description ?? "")) &&
    [80, 443].includes(Number(rule.from_port)) &&
    rule.from_port === rule.to_port
  );
}

export function openIngress(json: TerraformJson): string[] {
  const violations: string[] = [];
  for (const [name, body] of each(json, "aws_security_group")) {
    for (const rule of asList(body.ingress as Body[])) {
      const cidrs = [...asList(rule.cidr_blocks as string[]), ...asList(rule.ipv6_cidr_blocks as string[])];
      if (cidrs.some((c) => ANYWHERE.includes(c)) && !isListener(rule))
        violations.push(`aws_security_group.${name}: ingress from anywhere`);
    }
  }
  for (const [name, rule] of each(json, "aws_vpc_security_group_ingress_rule")) {
    if (
      (ANYWHERE.includes(String(rule.cidr_ipv4)) || ANYWHERE.includes(String(rule.cidr_ipv6))) &&
      !isListener(rule)
    ) {
      violations.push(`aws_vpc_security_group_ingress_rule.${name}: ingress from anywhere`);
    }
  }
  for (const [name, rule] of each(json, "aws_security_group_rule")) {
    if (
      rule.type === "ingress" &&
      asList(rule.cidr_blocks as string[]).some((c) => ANYWHERE.includes(c)) &&
      !isListener(rule)
    ) {
      violations.push(`aws_security_group_rule.${name}: ingress from anywhere`);
    }
  }
  return violations;
}

export function vpcsWithoutFlowLogs(json: TerraformJson): string[] {
  const logged = new Set(each(json, "aws_flow_log").map(([, b]) => referencedName(b.vpc_id, "aws_vpc")));
  return each(json, "aws_vpc")
    .filter(([name]) => !logged.has(name))
    .map(([name]) => `aws_vpc.${name}: no flow logs`);
}

const CONTROL_PLANE_LOGS = ["api", "audit", "authenticator", "controllerManager", "scheduler"];
export function clustersWithoutLogs(json: TerraformJson): string[] {
  return each(json, "aws_eks_cluster")
    .filter(
      ([, b]) =>
        !CONTROL_PLANE_LOGS.every((t) => asList(b.enabled_cluster_log_types as string[]).includes(t)),
    )
    .map(([name]) => `aws_eks_cluster.${name}: control-plane logs missing`);
}

export function weakRegistries(json: TerraformJson): string[] {
  const violations: string[] = [];
  for (const [name, body] of each(json, "aws_ecr_repository")) {
    if (body.image_tag_mutability !== "IMMUTABLE")
      violations.push(`aws_ecr_repository.${name}: mutable tags`);
    if ((body.image_scanning_configuration as Body | undefined)?.scan_on_push !== true)
      violations.push(`aws_ecr_repository.${name}: not scanned on push`);
  }
  return violations;
}

/** EKS accepts NetworkPolicy objects either way; only the VPC CNI's node agent makes them real. */
export function networkPolicyUnenforced(json: TerraformJson): string[] {
  return each(json, "aws_eks_addon")
    .filter(([, b]) => b.addon_name === "vpc-cni")
    .filter(([, b]) => {
      const text = b.configuration_values;
      if (typeof text !== "string") return true;
      return (JSON.parse(text) as Body).enableNetworkPolicy !== "true";
    })
    .map(([name]) => `aws_eks_addon.${name}: vpc-cni does not enforce NetworkPolicy`);
}

/** A role without the boundary is a role the CI apply role could grant anything. */
export function rolesWithoutBoundary(json: TerraformJson): string[] {
  return each(json, "aws_iam_role")
    .filter(([, b]) => typeof b.permissions_boundary !== "string" || b.permissions_boundary === "")
    .map(([name]) => `aws_iam_role.${name}: no permissions boundary`);
}

/**
 * `service:*` on every resource is a service-wide grant. Allowed only when a condition holds it to
 * the platform's regions (EC2, and the boundary's ceiling), never bare.
 */
export function serviceWideGrants(json: TerraformJson): string[] {
  return (
    statements(json)
      .filter(({ statement: s }) => (s.effect ?? "Allow") === "Allow")
      // A key policy's "*" is the key itself; only identity policies (no principals) grant across resources.
      .filter(({ statement: s }) => asList(s.principals as Body[]).length === 0)
      .filter(({ statement: s }) => asList(s.resources as string[]).includes("*"))
      .filter(({ statement: s }) => asList(s.actions as string[]).some((a) => /^[a-z0-9-]+:\*$/.test(a)))
      .filter(
        ({ statement: s }) =>
          !asList(s.condition as Body[]).some((c) => c.variable === "aws:RequestedRegion"),
      )
      .map(
        ({ where, statement: s }) =>
          `${where}: allows ${asList(s.actions as string[])
            .filter((a) => a.endsWith(":*"))
            .join(", ")} on every resource in every region`,
      )
  );
}

export const POLICY_RULES = {
  "every role has the permissions boundary": rolesWithoutBoundary,
  "no service-wide grant outside the platform's regions": serviceWideGrants,
  "NetworkPolicy enforced": networkPolicyUnenforced,
  "no IAM * on *": wildcardIamStatements,
  "buckets encrypted and private": unprotectedBuckets,
  "volumes encrypted": unencryptedVolumes,
  "IMDSv2 only": imdsV1,
  "no ingress from anywhere": openIngress,
  "flow logs on every VPC": vpcsWithoutFlowLogs,
  "all control-plane logs": clustersWithoutLogs,
  "immutable, scanned registries": weakRegistries,
} as const;
