import { ENVIRONMENTS, type EnvironmentConfig, platformName } from "../config/environments.js";
import { UPSTREAM_CHARTS } from "../config/upstream-charts.js";
import { vcpusOf } from "../constructs/k8s/node-pools.js";
import type { Manifest } from "../constructs/k8s/schemas.js";
import { synthPlatformFiles, type TerraformJson } from "../test/synth.js";
import { synthGitOpsTree } from "./gitops-tree.js";

type Obj = Record<string, any>;
const prod = ENVIRONMENTS.find((e) => e.tier === "production") as EnvironmentConfig;
const stacks: Record<string, TerraformJson> = Object.fromEntries(
  Object.entries(synthPlatformFiles())
    .map(([path, text]) => [/^stacks\/platform-([^/]+)\/cdk\.tf\.json$/.exec(path)?.[1], text] as const)
    .filter((e): e is readonly [string, string] => e[0] !== undefined)
    .map(([name, text]) => [name, JSON.parse(text)]),
);
const resources = (json: TerraformJson, type: string) => Object.values(json.resource?.[type] ?? {}) as Obj[];

describe.each(ENVIRONMENTS.map((e) => [e.name, e] as [string, EnvironmentConfig]))(
  "add-ons in %s",
  (name, env) => {
    const addons = synthGitOpsTree(env).addons;
    const values = (app: string) =>
      (addons.find((m) => m.kind === "Application" && m.metadata.name === app) as Obj).spec.source.helm
        .valuesObject;
    const stack = stacks[name];

    it("installs both controllers from their pinned charts", () => {
      const sources = addons.filter((m) => m.kind === "Application").map((m) => (m.spec as Obj).source);
      expect(sources).toEqual([
        expect.objectContaining({
          chart: "aws-load-balancer-controller",
          targetRevision: UPSTREAM_CHARTS.awsLoadBalancerController.version,
        }),
        expect.objectContaining({
          repoURL: "public.ecr.aws/karpenter",
          chart: "karpenter",
          targetRevision: UPSTREAM_CHARTS.karpenter.version,
        }),
      ]);
      for (const s of sources) expect(s.targetRevision).toMatch(/^\d+\.\d+\.\d+$/);
    });

    it("names what the AWS stack creates: the roles' service accounts, the queue and the node role", () => {
      const associations = resources(stack, "aws_eks_pod_identity_association").map(
        (a) => `${a.namespace}/${a.service_account}`,
      );
      expect(associations).toEqual(
        expect.arrayContaining([
          `kube-system/${values("aws-load-balancer-controller").serviceAccount.name}`,
          `kube-system/${values("karpenter").serviceAccount.name}`,
        ]),
      );
      expect(resources(stack, "aws_sqs_queue").map((q) => q.name)).toEqual([
        values("karpenter").settings.interruptionQueue,
      ]);
      const classes = addons.filter((m) => m.kind === "EC2NodeClass");
      const roles = resources(stack, "aws_iam_role").map((r) => r.name);
      for (const c of classes) expect(roles).toContain((c.spec as Obj).role);
      // The VPC the controller looks up by its Name tag is the one the stack creates.
      expect(resources(stack, "aws_vpc")[0].tags.Name).toBe(
        values("aws-load-balancer-controller").vpcTags.Name,
      );
      // And the stack tags what the node classes select.
      const discovery = resources(stack, "aws_ec2_tag").filter((t) => t.key === "karpenter.sh/discovery");
      expect(new Set(discovery.map((t) => t.value))).toEqual(new Set([platformName(env)]));
      for (const c of classes)
        expect((c.spec as Obj).subnetSelectorTerms).toEqual([
          { tags: { "karpenter.sh/discovery": platformName(env) } },
        ]);
    });

    it("derives a NodePool and EC2NodeClass per node group, keeping IMDSv2 hop 1, AL2023 and encrypted volumes", () => {
      const pools = addons.filter((m) => m.kind === "NodePool") as Manifest[];
      expect(pools.map((p) => p.metadata.name)).toEqual(env.nodeGroups.map((g) => g.name));
      for (const group of env.nodeGroups) {
        const pool = pools.find((p) => p.metadata.name === group.name) as Obj;
        const spec = pool.spec.template.spec;
        expect(spec.requirements).toContainEqual({
          key: "node.kubernetes.io/instance-type",
          operator: "In",
          values: group.instanceTypes,
        });
        expect(pool.spec.template.metadata.labels).toEqual(group.labels);
        expect(pool.spec.limits.cpu).toBe(
          String((group.maxSize ?? 4) * Math.max(...(group.instanceTypes ?? []).map(vcpusOf))),
        );
        const nodeClass = addons.find(
          (m) => m.kind === "EC2NodeClass" && m.metadata.name === group.name,
        ) as Obj;
        expect(nodeClass.spec.metadataOptions).toEqual(
          expect.objectContaining({ httpTokens: "required", httpPutResponseHopLimit: 1 }),
        );
        expect(nodeClass.spec.amiSelectorTerms).toEqual([{ alias: expect.stringMatching(/^al2023@/) }]);
        expect(nodeClass.spec.blockDeviceMappings[0].ebs).toEqual(
          expect.objectContaining({ encrypted: true, volumeType: "gp3" }),
        );
      }
    });
  },
);

describe("node pools", () => {
  it("carries a node group's taints, in Kubernetes' spelling", () => {
    const system = synthGitOpsTree(prod).addons.find(
      (m) => m.kind === "NodePool" && m.metadata.name === "system",
    ) as Obj;
    expect(system.spec.template.spec.taints).toEqual([
      { key: "CriticalAddonsOnly", value: "true", effect: "NoSchedule" },
    ]);
  });

  it("turns sizes into vCPUs, and refuses a size it cannot", () => {
    expect([vcpusOf("m7i.large"), vcpusOf("m7i.xlarge"), vcpusOf("c7g.4xlarge")]).toEqual([2, 4, 16]);
    expect(() => vcpusOf("m7i.metal")).toThrow(
      "instance type 'm7i.metal' has a size ('metal') whose vCPUs are not known",
    );
  });
});
