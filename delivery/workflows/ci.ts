import { ACTIONS, RUNNER, uses } from "../actions.js";
import { checkout, nodeAndDependencies, SYNTH } from "../steps.js";
import type { Workflow } from "../workflow-model.js";

/** The Debian packages the tests start servers from; the same list `.ci/run` installs. */
export const TEST_PACKAGES = ["prometheus", "redis-server", "postgresql"];

function aptInstall(packages: readonly string[]): string {
  return `sudo apt-get update -qq\nsudo apt-get install -y -qq --no-install-recommends ${packages.join(" ")}\n`;
}

/**
 * ci.yml: every pull request and every push to main runs `npm test` (lint, type-check, Jest against
 * real Prometheus, Redis and PostgreSQL), synthesizes, checks that synth is byte-for-byte
 * reproducible, keeps dist/ as an artifact and runs promtool over the generated rules.
 */
export function ciWorkflow(pathsIgnore: readonly string[]): Workflow {
  const push = { branches: ["main"], ...(pathsIgnore.length > 0 ? { "paths-ignore": pathsIgnore } : {}) };
  return {
    name: "ci",
    on: { pull_request: {}, push },
    permissions: {},
    concurrency: {
      group: "ci-${{ github.ref }}",
      // A new push to a pull request supersedes the old run; runs on main all finish.
      "cancel-in-progress": "${{ github.event_name == 'pull_request' }}",
    },
    jobs: {
      test: {
        name: "lint, type-check and tests",
        "runs-on": RUNNER,
        "timeout-minutes": 45,
        permissions: { contents: "read" },
        steps: [
          checkout(),
          ...nodeAndDependencies(),
          {
            name: "Servers the tests start (Debian packages)",
            // The tests start their own servers on loopback; the packages' services would only hold ports.
            run: `${aptInstall(TEST_PACKAGES)}sudo systemctl stop prometheus redis-server postgresql\n`,
          },
          // npm test is these three; as steps, a failure names its stage.
          { name: "Lint (npm run lint)", run: "npm run lint" },
          { name: "Type-check (npm run typecheck)", run: "npm run typecheck" },
          { name: "Tests (npm run test:unit)", run: "npm run test:unit" },
        ],
      },
      synth: {
        name: "synthesize and check the output",
        "runs-on": RUNNER,
        "timeout-minutes": 20,
        permissions: { contents: "read" },
        steps: [
          checkout(),
          ...nodeAndDependencies(),
          SYNTH,
          {
            name: "Synthesize again: byte-identical",
            run: 'cp -r dist "$RUNNER_TEMP/first"\nnpm start >/dev/null\ndiff -r "$RUNNER_TEMP/first" dist\n',
          },
          {
            name: "Upload dist/",
            uses: uses(ACTIONS.uploadArtifact),
            with: { name: "dist", path: "dist/", "retention-days": 14, "if-no-files-found": "error" },
          },
          { name: "promtool (Debian's prometheus package)", run: aptInstall(["prometheus"]) },
          {
            name: "promtool check rules on the generated rules",
            run: 'npm run rules -- --out "$RUNNER_TEMP/rules"\npromtool check rules "$RUNNER_TEMP"/rules/*.yaml\n',
          },
        ],
      },
    },
  };
}
