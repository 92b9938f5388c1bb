import { ACTIONS, TERRAFORM_VERSION, uses } from "../actions.js";
import { assumeRole, checkout, nodeAndDependencies, SYNTH } from "../steps.js";
import type { DeliveryTarget } from "../targets.js";
import type { Job, Step, Workflow } from "../workflow-model.js";

/** What can change the AWS stacks; anything else skips this workflow. */
export const INFRA_PATHS = [
  "config/**",
  "constructs/aws/**",
  "stacks/**",
  "main.ts",
  "cdktf.json",
  "package.json",
  "package-lock.json",
  ".github/workflows/infra.yml",
];

const STACK_DIR = "dist/terraform/stacks/${{ matrix.stack }}";

const terraform: Step = {
  name: `Terraform ${TERRAFORM_VERSION}`,
  uses: uses(ACTIONS.setupTerraform),
  // No wrapper: it echoes every command's output into step outputs, where nothing needs it.
  with: { terraform_version: TERRAFORM_VERSION, terraform_wrapper: false },
};

const INIT = "terraform init -input=false -no-color\n";

function applyJob(target: DeliveryTarget, needs: string | undefined): Job {
  const dir = `dist/terraform/stacks/${target.stack}`;
  return {
    name: `apply ${target.name}`,
    if: "github.event_name == 'push'",
    ...(needs ? { needs } : {}),
    "runs-on": target.infraRunner,
    "timeout-minutes": 90,
    // Only jobs in this protected environment can assume the apply role (its trust names it).
    environment: target.applyEnvironment,
    permissions: { contents: "read", "id-token": "write" },
    // One apply per environment at a time, and never cancelled halfway through.
    concurrency: { group: `infra-apply-${target.name}`, "cancel-in-progress": false },
    steps: [
      checkout(),
      ...nodeAndDependencies(),
      SYNTH,
      terraform,
      assumeRole(target.roles.apply, target.region, "infra-apply-${{ github.run_id }}"),
      {
        name: `Apply ${target.stack}`,
        "working-directory": dir,
        run: `${INIT}terraform plan -input=false -no-color -lock-timeout=10m -out=tfplan\nterraform apply -input=false -no-color -lock-timeout=10m tfplan\n`,
      },
    ],
  };
}

/**
 * infra.yml: a pull request that touches the AWS side gets a `terraform plan` per environment under
 * the read-only plan role, summarised in a comment; a merge to main applies each environment in turn,
 * behind its protected GitHub environment and with the apply role.
 */
export function infraWorkflow(targets: readonly DeliveryTarget[]): Workflow {
  const plan: Job = {
    name: "plan ${{ matrix.environment }}",
    if: "github.event_name == 'pull_request'",
    "runs-on": "${{ matrix.runner }}",
    "timeout-minutes": 30,
    permissions: { contents: "read", "id-token": "write", "pull-requests": "write" },
    concurrency: {
      group: "infra-plan-${{ github.event.pull_request.number }}-${{ matrix.environment }}",
      "cancel-in-progress": true,
    },
    strategy: {
      "fail-fast": false,
      matrix: {
        include: targets.map((t) => ({
          environment: t.name,
          stack: t.stack,
          role: t.roles.plan,
          region: t.region,
          runner: t.infraRunner,
        })),
      },
    },
    steps: [
      checkout(),
      ...nodeAndDependencies(),
      SYNTH,
      terraform,
      assumeRole(
        "${{ matrix.role }}",
        "${{ matrix.region }}",
        "infra-plan-${{ github.run_id }}",
        "Assume the plan role (read-only)",
      ),
      {
        name: "terraform plan",
        "working-directory": STACK_DIR,
        run: `${INIT}terraform plan -input=false -no-color -lock-timeout=10m -out=tfplan\nterraform show -json tfplan > plan.json\n`,
      },
      {
        name: "Comment the summary on the pull request",
        env: {
          GH_TOKEN: "${{ github.token }}",
          PR: "${{ github.event.pull_request.number }}",
          ENVIRONMENT: "${{ matrix.environment }}",
          PLAN: `${STACK_DIR}/plan.json`,
        },
        run: 'npm run plan-summary -- --env "$ENVIRONMENT" --plan "$PLAN" --out "$RUNNER_TEMP/summary.md"\ncat "$RUNNER_TEMP/summary.md" >> "$GITHUB_STEP_SUMMARY"\ngh pr comment "$PR" --repo "$GITHUB_REPOSITORY" --body-file "$RUNNER_TEMP/summary.md"\n',
      },
    ],
  };
  const applies: Record<string, Job> = {};
  let previous: string | undefined;
  for (const target of targets) {
    const id = `apply-${target.name}`;
    applies[id] = applyJob(target, previous);
    previous = id;
  }
  return {
    name: "infra",
    on: { pull_request: { paths: INFRA_PATHS }, push: { branches: ["main"], paths: INFRA_PATHS } },
    permissions: {},
    jobs: { plan, ...applies },
  };
}
