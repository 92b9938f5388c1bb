import { ACTIONS } from "./actions.js";

/**
 * Rules every workflow must keep, checked on the YAML as committed (so a hand edit is caught too).
 * Each problem names the file, the job and what to change.
 */
export interface CheckContext {
  /** Every image the shop model builds: the shop's services and the optimizer. */
  readonly images: readonly string[];
  /** Other workflows of the same directory, by file name, to follow reusable calls. */
  readonly workflows: Readonly<Record<string, unknown>>;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const steps = (job: Obj): Obj[] => (Array.isArray(job.steps) ? job.steps.filter(isObj) : []);
const withOf = (step: Obj): Obj => (isObj(step.with) ? step.with : {});

const PINNED = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_./-]+@[0-9a-f]{40}$/;
const COMMIT_SHA_TAG = ":${{ github.sha }}";

const usesAction = (step: Obj, repository: string) =>
  typeof step.uses === "string" && step.uses.startsWith(`${repository}@`);

/** A job takes AWS credentials from GitHub's OIDC token: a role to assume and no stored keys. */
function usesOidc(job: Obj, ctx: CheckContext): boolean {
  if (typeof job.uses === "string") {
    const called = ctx.workflows[job.uses.replace(/^\.\/\.github\/workflows\//, "")];
    const jobs = isObj(called) && isObj(called.jobs) ? Object.values(called.jobs).filter(isObj) : [];
    return jobs.some((j) => runsFor(j, withOf(job)) && usesOidc(j, ctx));
  }
  return steps(job).some((s) => {
    if (!usesAction(s, ACTIONS.awsCredentials.repository)) return false;
    const w = withOf(s);
    return typeof w["role-to-assume"] === "string" && w["aws-access-key-id"] === undefined;
  });
}

/** False when the called job's `if: inputs.<name> == '<value>'` rules out the call's inputs. */
function runsFor(job: Obj, inputs: Obj): boolean {
  const condition = typeof job.if === "string" ? /^inputs\.([\w-]+) == '([^']*)'$/.exec(job.if.trim()) : null;
  return !condition || inputs[condition[1]] === undefined || inputs[condition[1]] === condition[2];
}

function checkUses(where: string, value: unknown, problems: string[]): void {
  if (typeof value !== "string") return;
  if (value.startsWith("./")) return;
  if (value.startsWith("docker://") ? /@sha256:[0-9a-f]{64}$/.test(value) : PINNED.test(value)) return;
  problems.push(`${where}: "${value}" is not pinned; use <owner>/<repo>@<40-hex commit SHA> # <version>`);
}

/** The problems of one workflow, parsed from YAML; none means it keeps every rule. */
export function checkWorkflow(file: string, workflow: unknown, ctx: CheckContext): string[] {
  const problems: string[] = [];
  if (!isObj(workflow) || !isObj(workflow.jobs)) return [`${file}: not a workflow (no jobs)`];
  if (!isObj(workflow.permissions) || Object.keys(workflow.permissions).length > 0)
    problems.push(`${file}: set top-level 'permissions: {}' so a job gets only what it asks for`);

  for (const [id, job] of Object.entries(workflow.jobs)) {
    const at = `${file} job '${id}'`;
    if (!isObj(job)) {
      problems.push(`${at}: not a mapping`);
      continue;
    }
    if (!isObj(job.permissions))
      problems.push(`${at}: has no 'permissions:' block; grant what it needs, per job`);
    const perms = isObj(job.permissions) ? job.permissions : {};
    if (perms["id-token"] === "write" && !usesOidc(job, ctx))
      problems.push(
        `${at}: has 'id-token: write' but assumes no role through OIDC; remove it (it lets the job mint tokens)`,
      );
    checkUses(at, job.uses, problems);
    if (job.uses === undefined && typeof job["timeout-minutes"] !== "number")
      problems.push(`${at}: has no 'timeout-minutes'; a hung job would hold a runner for 6 hours`);

    const jobSteps = steps(job);
    jobSteps.forEach((step, i) => {
      const stepAt = `${at} step ${i + 1}${typeof step.name === "string" ? ` (${step.name})` : ""}`;
      checkUses(stepAt, step.uses, problems);
      if (typeof step.run === "string" && step.run.includes("${{"))
        problems.push(
          `${stepAt}: expands \${{ }} inside 'run'; pass it through 'env:' so a value is never run as script or printed`,
        );
      if (
        usesAction(step, ACTIONS.awsCredentials.repository) &&
        withOf(step)["aws-access-key-id"] !== undefined
      )
        problems.push(`${stepAt}: uses stored AWS keys; assume a role through OIDC with 'role-to-assume'`);
      if (usesAction(step, ACTIONS.buildPush.repository)) {
        const tags = String(withOf(step).tags ?? "")
          .split(/[\n,]/)
          .map((t) => t.trim())
          .filter((t) => t.length > 0);
        if (tags.length === 0)
          problems.push(`${stepAt}: builds an image with no tag; tag it with the commit SHA`);
        for (const tag of tags)
          if (!tag.endsWith(COMMIT_SHA_TAG))
            problems.push(
              `${stepAt}: tags "${tag}", not the commit SHA; end every tag with ${COMMIT_SHA_TAG}`,
            );
      }
      if (typeof step.run === "string" && /npm run release\b/.test(step.run)) {
        const tag = isObj(step.env) ? step.env.IMAGE_TAG : undefined;
        if (tag !== "${{ github.sha }}")
          problems.push(
            `${stepAt}: releases image tag ${JSON.stringify(tag)}; set env IMAGE_TAG to \${{ github.sha }}`,
          );
      }
    });

    if (jobSteps.some((s) => usesAction(s, ACTIONS.buildPush.repository))) {
      const matrix = isObj(job.strategy) && isObj(job.strategy.matrix) ? job.strategy.matrix : {};
      const built = Array.isArray(matrix.image) ? matrix.image.map(String) : [];
      const missing = ctx.images.filter((i) => !built.includes(i));
      const unknown = built.filter((i) => !ctx.images.includes(i));
      if (missing.length > 0)
        problems.push(
          `${at}: the image matrix misses ${missing.join(", ")}; build every image of the shop model`,
        );
      if (unknown.length > 0)
        problems.push(
          `${at}: the image matrix builds ${unknown.join(", ")}, which the shop model does not have`,
        );
    }

    if (jobSteps.some((s) => typeof s.run === "string" && /terraform apply\b/.test(s.run))) {
      const c = isObj(job.concurrency) ? job.concurrency : undefined;
      if (!c || typeof c.group !== "string" || c["cancel-in-progress"] !== false)
        problems.push(
          `${at}: applies Terraform without a concurrency group that never cancels; two applies could overlap`,
        );
      if (job.environment === undefined)
        problems.push(`${at}: applies Terraform outside a protected environment; set 'environment:'`);
    }
  }
  return problems;
}
