import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { convertWorkflowTemplate, NoOperationTraceWriter, parseWorkflow } from "@actions/workflow-parser";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { parse } from "yaml";
import { ENVIRONMENTS, registryHost } from "../config/environments.js";
import { buildPlatformApp, platformStackName } from "../stacks/app.js";
import { committedWorkflows, renderWorkflows, workflows } from "./render-workflows.js";

const committed = committedWorkflows();

type Obj = Record<string, unknown>;

describe("the workflows in .github/workflows", () => {
  it("are exactly what config/ and delivery/ generate (run npm run workflows after changing either)", () => {
    expect(Object.keys(committed)).toEqual(["ci.yml", "gitops.yml", "images.yml", "infra.yml"]);
    const generated = renderWorkflows();
    for (const [file, text] of Object.entries(generated))
      expect({ file, text: committed[file] }).toEqual({ file, text });
  });

  it.each(Object.keys(committed))(
    "%s validates against GitHub's workflow schema (@actions/workflow-parser)",
    async (file) => {
      const parsed = parseWorkflow({ name: file, content: committed[file] }, new NoOperationTraceWriter());
      expect(parsed.context.errors.getErrors().map((e) => e.message)).toEqual([]);
      expect(parsed.value).toBeDefined();
      const template = await convertWorkflowTemplate(
        parsed.context,
        parsed.value as NonNullable<typeof parsed.value>,
      );
      expect((template.errors ?? []).map((e) => e.Message)).toEqual([]);
      expect(Object.keys(template.jobs ?? {}).length).toBeGreaterThan(0);
    },
  );

  it("the parser is not a rubber stamp: a misspelt key and a bad permission fail", () => {
    const bad = committed["ci.yml"]
      .replace("timeout-minutes: 45", "timeout-minutez: 45")
      .replace("contents: read", "contents: reed");
    const parsed = parseWorkflow({ name: "ci.yml", content: bad }, new NoOperationTraceWriter());
    const errors = parsed.context.errors.getErrors().map((e) => e.message);
    expect(errors).toEqual(
      expect.arrayContaining([
        expect.stringContaining("'timeout-minutez'"),
        expect.stringContaining("'reed'"),
      ]),
    );
  });
});

describe("per-environment settings", () => {
  it("runs an environment's plans and applies on its infraRunner, and nothing else there", () => {
    const envs = ENVIRONMENTS.map((e) =>
      e.name === "prod" ? { ...e, github: { ...e.github, infraRunner: "vpc-runner" } } : e,
    );
    const infra = workflows(envs)["infra.yml"];
    const plan = infra.jobs.plan;
    expect(plan["runs-on"]).toBe("${{ matrix.runner }}");
    const include = (
      (plan.strategy as NonNullable<typeof plan.strategy>).matrix as {
        include: { environment: string; runner: string }[];
      }
    ).include;
    expect(include.map((m) => [m.environment, m.runner])).toEqual([
      ["dev", "ubuntu-24.04"],
      ["prod", "vpc-runner"],
    ]);
    expect(infra.jobs["apply-prod"]["runs-on"]).toBe("vpc-runner");
    expect(infra.jobs["apply-dev"]["runs-on"]).toBe("ubuntu-24.04");
    expect(workflows(envs)["images.yml"].jobs.build["runs-on"]).toBe("ubuntu-24.04");
  });

  it("waits for dev's rollouts after its release, on the infra runner, as the rollout role, before prod's release", () => {
    const envs = ENVIRONMENTS.map((e) =>
      e.name === "dev" ? { ...e, github: { ...e.github, infraRunner: "vpc-runner" } } : e,
    );
    const all = workflows(envs);
    const gitops = all["gitops.yml"];
    // Prod's release arrives as a pull request: its rollouts start when a person merges it.
    expect(Object.keys(gitops.jobs)).toEqual(["release-dev", "rollout-dev", "release-prod"]);
    const wait = gitops.jobs["rollout-dev"];
    expect(wait).toMatchObject({
      needs: "release-dev",
      if: "inputs.environment == 'dev'",
      "runs-on": "vpc-runner",
      permissions: { contents: "read", "id-token": "write", "pull-requests": "write" },
      concurrency: { group: "gitops-dev", "cancel-in-progress": false },
    });
    const steps = wait.steps ?? [];
    const roles = steps.map((st) => (st.with as Obj | undefined)?.["role-to-assume"]).filter(Boolean);
    expect(roles).toEqual(["arn:aws:iam::222222222222:role/meshpilot-dev-ci-rollout"]);
    const script = steps.map((st) => st.run ?? "").join("\n");
    expect(script).toContain('npm run rollout-wait -- --env "$ENVIRONMENT"');
    expect(script).toContain('gh pr comment "$pr"');
    expect(script).toContain('--promote "$PROMOTE"');
    // The promotion's commit happens only once something was promoted.
    const commit = steps.find((st) => st.name === "Commit the promotion to main");
    expect(commit?.if).toBe("!cancelled() && steps.wait.outputs.promoted != ''");
    // Every release renders over the tree's release.json, so the stable version keeps its image.
    for (const job of ["release-dev", "release-prod"])
      expect(JSON.stringify(gitops.jobs[job].steps)).toContain('--previous \\"$PREVIOUS\\"');
    // The call may grant what the wait needs; prod's call, which waits for nothing, gets no more.
    expect(all["images.yml"].jobs["release-dev"].permissions).toEqual({
      contents: "read",
      "id-token": "write",
      "pull-requests": "write",
    });
    expect(all["images.yml"].jobs["release-prod"].permissions).toEqual({ contents: "read" });
    expect(all["images.yml"].jobs["release-prod"].needs).toBe("release-dev");
  });

  it("refuses a GitOps repository it cannot push to, and environments split across repositories", () => {
    const [dev, prod] = ENVIRONMENTS;
    expect(() =>
      workflows([{ ...dev, gitops: { ...dev.gitops, repoUrl: "https://gitlab.com/a/b.git" } }]),
    ).toThrow('gitops.repoUrl is "https://gitlab.com/a/b.git"; the delivery workflows push to GitHub');
    expect(() => workflows([dev, { ...prod, github: { ...prod.github, repository: "other/repo" } }])).toThrow(
      "the environments name 2 GitHub repositories",
    );
    expect(() => workflows([{ ...dev, gitops: { ...dev.gitops, path: "apps" } }])).toThrow(
      'gitops.path is "apps"; it must be <directory>/apps',
    );
  });

  it("keeps the source workflows off the release commits when the GitOps tree lives in this repository", () => {
    const envs = ENVIRONMENTS.map((e) => ({
      ...e,
      gitops: { ...e.gitops, repoUrl: `https://github.com/${e.github.repository}.git` },
    }));
    const generated = workflows(envs);
    const ignored = (generated["images.yml"].on.push as { "paths-ignore": string[] })["paths-ignore"];
    expect(ignored).toEqual(["dev/**", "prod/**"]);
    expect((generated["ci.yml"].on.push as { "paths-ignore": string[] })["paths-ignore"]).toEqual(ignored);
  });
});

describe("the names in the workflows are the names the stacks create", () => {
  let outdir: string;
  const stacks: Record<string, Obj> = {};
  beforeAll(() => {
    outdir = mkdtempSync(join(tmpdir(), "meshpilot-workflow-names-"));
    buildPlatformApp({ outdir }).app.synth();
    for (const env of ENVIRONMENTS)
      stacks[env.name] = JSON.parse(
        readFileSync(join(outdir, "stacks", platformStackName(env), "cdk.tf.json"), "utf8"),
      ).resource as Obj;
    // Synthesizing both environments takes seconds, more on a busy machine: past Jest's default 5 s.
  }, 120_000);
  afterAll(() => {
    if (outdir) rmSync(outdir, { recursive: true, force: true });
  });

  const names = (resources: Obj, type: string) =>
    Object.values(resources[type] as Record<string, { name: string }>).map((r) => r.name);
  const images = parse(committed["images.yml"]) as Obj;
  const infra = parse(committed["infra.yml"]) as Obj;
  const gitops = parse(committed["gitops.yml"]) as Obj;
  const stepsOf = (wf: Obj, job: string) => ((wf.jobs as Obj)[job] as Obj).steps as Obj[];
  const withs = (wf: Obj, job: string, action: string) =>
    stepsOf(wf, job)
      .filter((s) => String(s.uses ?? "").startsWith(`${action}@`))
      .map((s) => s.with as Obj);

  it.each(ENVIRONMENTS.map((e) => [e.name, e] as const))(
    "%s: push, plan and apply roles and ECR repositories",
    (_, env) => {
      const roles = names(stacks[env.name], "aws_iam_role");
      const arn = (role: string) => {
        const name = roles.find((n) => n.endsWith(`-ci-${role}`));
        expect(name).toBeDefined();
        return `arn:aws:iam::${env.account}:role/${name}`;
      };
      const pushRoles = withs(images, "build", "aws-actions/configure-aws-credentials").map(
        (w) => w["role-to-assume"],
      );
      expect(pushRoles).toContain(arn("push"));

      const planMatrix = ((((infra.jobs as Obj).plan as Obj).strategy as Obj).matrix as Obj).include as Obj[];
      expect(planMatrix.find((m) => m.environment === env.name)?.role).toBe(arn("plan"));
      const applyRoles = withs(infra, `apply-${env.name}`, "aws-actions/configure-aws-credentials");
      expect(applyRoles.map((w) => w["role-to-assume"])).toEqual([arn("apply")]);

      // Every image the matrix builds is pushed to a repository this environment's stack creates.
      const repositories = names(stacks[env.name], "aws_ecr_repository");
      const matrix = ((((images.jobs as Obj).build as Obj).strategy as Obj).matrix as Obj).image as string[];
      const push = withs(images, "build", "docker/build-push-action").find((w) => w.push === true) as Obj;
      const tagPattern = String(push.tags)
        .split("\n")
        .find((t) => t.startsWith(registryHost(env))) as string;
      const pushedTo = matrix.map((image) => tagPattern.replace("${{ matrix.image }}", image).split(":")[0]);
      expect(pushedTo.sort()).toEqual(repositories.map((r) => `${registryHost(env)}/${r}`).sort());
    },
  );

  it.each(ENVIRONMENTS.map((e) => [e.name, e] as const))(
    "%s: the release goes to the repository and directory Argo CD's root Application syncs",
    (_, env) => {
      const root = Object.values(stacks[env.name].kubernetes_manifest as Record<string, { manifest: Obj }>)
        .map((m) => m.manifest)
        .find((m) => m.kind === "Application") as Obj;
      const source = (root.spec as Obj).source as Obj;
      const job = stepsOf(gitops, `release-${env.name}`);
      const checkout = job.find((s) => (s.with as Obj | undefined)?.path === "gitops")?.with as Obj;
      expect(`https://github.com/${checkout.repository}.git`).toBe(source.repoURL);
      expect(checkout.ref).toBe(source.targetRevision);
      const commit = job[job.length - 1].env as Obj;
      expect(`${commit.TREE_DIR}/apps`).toBe(source.path);
    },
  );
});
