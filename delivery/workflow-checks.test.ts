import { describe, expect, it } from "@jest/globals";
import { parse } from "yaml";
import { imageNames } from "../config/shop.js";
import { committedWorkflows } from "./render-workflows.js";
import { checkWorkflow } from "./workflow-checks.js";

type Obj = Record<string, unknown>;
const texts = committedWorkflows();
const read = () => Object.fromEntries(Object.entries(texts).map(([f, t]) => [f, parse(t) as Obj]));

/** The problems after a change to one workflow, checked with the others as they are. */
function problemsAfter(file: string, change: (wf: Obj) => void): string[] {
  const workflows = read();
  change(workflows[file]);
  return checkWorkflow(file, workflows[file], { images: imageNames(), workflows });
}
const job = (wf: Obj, id: string) => (wf.jobs as Obj)[id] as Obj;
const steps = (wf: Obj, id: string) => job(wf, id).steps as Obj[];
const step = (wf: Obj, id: string, action: string, n = 0) =>
  steps(wf, id).filter((s) => String(s.uses ?? "").startsWith(`${action}@`))[n];

describe("workflow checks", () => {
  it.each(Object.keys(texts))("%s keeps every rule", (file) => {
    const workflows = read();
    expect(checkWorkflow(file, workflows[file], { images: imageNames(), workflows })).toEqual([]);
  });

  it.each<[string, string, (wf: Obj) => void, string | string[]]>([
    [
      "an action on a tag",
      "ci.yml",
      (wf) => {
        step(wf, "test", "actions/checkout").uses = "actions/checkout@v4";
      },
      `ci.yml job 'test' step 1 (Check out): "actions/checkout@v4" is not pinned`,
    ],
    [
      "an action on a short SHA",
      "images.yml",
      (wf) => {
        step(wf, "build", "aquasecurity/trivy-action").uses = "aquasecurity/trivy-action@57a97c7";
      },
      `"aquasecurity/trivy-action@57a97c7" is not pinned`,
    ],
    [
      "a job without permissions",
      "infra.yml",
      (wf) => {
        delete job(wf, "apply-prod").permissions;
      },
      "infra.yml job 'apply-prod': has no 'permissions:' block",
    ],
    [
      "a reusable call without permissions",
      "images.yml",
      (wf) => {
        delete job(wf, "release-dev").permissions;
      },
      "images.yml job 'release-dev': has no 'permissions:' block",
    ],
    [
      "id-token: write on a job that assumes no role",
      "ci.yml",
      (wf) => {
        (job(wf, "synth").permissions as Obj)["id-token"] = "write";
      },
      "ci.yml job 'synth': has 'id-token: write' but assumes no role through OIDC",
    ],
    [
      "id-token: write on a release call (the gitops jobs assume no AWS role)",
      "images.yml",
      (wf) => {
        (job(wf, "release-prod").permissions as Obj)["id-token"] = "write";
      },
      "images.yml job 'release-prod': has 'id-token: write' but assumes no role through OIDC",
    ],
    [
      "an image tagged latest",
      "images.yml",
      (wf) => {
        const push = steps(wf, "build").find((s) => s.id === "push") as Obj;
        (push.with as Obj).tags = String((push.with as Obj).tags).replace(":${{ github.sha }}", ":latest");
      },
      '/meshpilot/${{ matrix.image }}:latest", not the commit SHA',
    ],
    [
      "an image tagged with the branch",
      "images.yml",
      (wf) => {
        (step(wf, "build", "docker/build-push-action").with as Obj).tags =
          "meshpilot-scan/x:${{ github.ref_name }}";
      },
      'tags "meshpilot-scan/x:${{ github.ref_name }}", not the commit SHA',
    ],
    [
      "a release rendered with another tag",
      "gitops.yml",
      (wf) => {
        const render = steps(wf, "release-dev").find((s) =>
          String(s.run ?? "").includes("npm run release"),
        ) as Obj;
        (render.env as Obj).IMAGE_TAG = "${{ inputs.tag }}";
      },
      'releases image tag "${{ inputs.tag }}"; set env IMAGE_TAG',
    ],
    [
      "a matrix that misses a service",
      "images.yml",
      (wf) => {
        const matrix = (job(wf, "build").strategy as Obj).matrix as Obj;
        matrix.image = (matrix.image as string[]).filter((i) => i !== "payments");
      },
      "images.yml job 'build': the image matrix misses payments",
    ],
    [
      "a matrix that misses the optimizer",
      "images.yml",
      (wf) => {
        const matrix = (job(wf, "build").strategy as Obj).matrix as Obj;
        matrix.image = (matrix.image as string[]).filter((i) => i !== "optimizer");
      },
      "the image matrix misses optimizer",
    ],
    [
      "a job without a timeout",
      "gitops.yml",
      (wf) => {
        delete job(wf, "release-prod")["timeout-minutes"];
      },
      "gitops.yml job 'release-prod': has no 'timeout-minutes'",
    ],
    [
      "an expression inside a script",
      "infra.yml",
      (wf) => {
        const last = steps(wf, "plan").at(-1) as Obj;
        last.run = 'gh pr comment "${{ github.event.pull_request.number }}" --body x';
      },
      "expands ${{ }} inside 'run'",
    ],
    [
      "stored AWS keys",
      "infra.yml",
      (wf) => {
        const creds = step(wf, "apply-dev", "aws-actions/configure-aws-credentials").with as Obj;
        creds["aws-access-key-id"] = "${{ secrets.AWS_ACCESS_KEY_ID }}";
      },
      // With keys, the job's OIDC token is unused too.
      ["uses stored AWS keys", "has 'id-token: write' but assumes no role through OIDC"],
    ],
    [
      "two applies that may overlap",
      "infra.yml",
      (wf) => {
        delete job(wf, "apply-dev").concurrency;
      },
      "infra.yml job 'apply-dev': applies Terraform without a concurrency group",
    ],
    [
      "an apply outside a protected environment",
      "infra.yml",
      (wf) => {
        delete job(wf, "apply-prod").environment;
      },
      "applies Terraform outside a protected environment",
    ],
    [
      "write-all at the top",
      "ci.yml",
      (wf) => {
        wf.permissions = "write-all";
      },
      "ci.yml: set top-level 'permissions: {}'",
    ],
  ])("fails on %s", (_, file, change, message) => {
    const problems = problemsAfter(file, change);
    const messages = typeof message === "string" ? [message] : message;
    expect(problems).toHaveLength(messages.length);
    expect(problems).toEqual(expect.arrayContaining(messages.map((m) => expect.stringContaining(m))));
  });
});
