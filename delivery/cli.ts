/**
 * The delivery commands the workflows run (and people can run locally):
 *
 *   npm run workflows [-- --check]    write .github/workflows/ from config (or fail if they drifted)
 *   npm run release -- --env dev --tag <commit> --digests <dir> --out <dir> [--message <file>]
 *                      [--previous <tree>/release.json] [--promote <service>,…]
 *   npm run plan-summary -- --env dev --plan plan.json --out summary.md
 *   npm run rules -- --out <dir> [--gitops dist/gitops]
 *   npm run rollout-wait -- (--namespace NS --intent NAME | --env dev --tag <commit> --digests <dir>)
 *                           [--timeout-minutes N] [--summary FILE] [--promoted FILE] [--server URL]
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { CustomObjectsApi, KubeConfig } from "@kubernetes/client-node";
import { handleCliErrors, parseCli, readUserFile, UsageError } from "../common/cli.js";
import { kubeClients } from "../controller/kube/clients.js";
import { readPreviousRelease } from "./held-images.js";
import { parsePlan, summarizePlan } from "./plan-summary.js";
import { exportPrometheusRules } from "./prometheus-rules.js";
import {
  readDigestDirectory,
  releaseEnvironment,
  releaseMessage,
  releaseRollouts,
  writeRelease,
} from "./release.js";
import { committedWorkflows, renderWorkflows, WORKFLOWS_DIR } from "./render-workflows.js";
import {
  EXIT_CODES,
  type ExpectedRollout,
  overallResult,
  rolloutSummary,
  waitForRollouts,
} from "./rollout-wait.js";

type Values = Record<string, string | boolean | undefined>;

function required(values: Values, name: string): string {
  const v = values[name];
  if (typeof v !== "string" || v === "") throw new UsageError(`--${name} is required`);
  return v;
}

const commands: Record<
  string,
  {
    usage: string;
    options: Record<string, { type: "string" | "boolean" }>;
    run(v: Values): void | Promise<void>;
  }
> = {
  workflows: {
    usage:
      "usage: npm run workflows [-- --check]\n\nWrites .github/workflows/ from config (--check: fail if they drifted).",
    options: { check: { type: "boolean" } },
    run(v) {
      const drifted: string[] = [];
      const committed = committedWorkflows();
      for (const [file, text] of Object.entries(renderWorkflows())) {
        const path = join(WORKFLOWS_DIR, file);
        if (committed[file] === text) continue;
        if (v.check) drifted.push(path);
        else {
          mkdirSync(WORKFLOWS_DIR, { recursive: true });
          writeFileSync(path, text);
          console.log(`wrote ${path}`);
        }
      }
      if (drifted.length > 0)
        throw new Error(
          `${drifted.join(", ")} differ from what config/ and delivery/ generate; run npm run workflows`,
        );
      if (v.check) console.log(`${WORKFLOWS_DIR} matches config/ and delivery/`);
    },
  },
  release: {
    usage:
      "usage: npm run release -- --env ENV --tag COMMIT --digests DIR --out DIR [--message FILE] [--previous release.json] [--promote SERVICE,…]\n\nRenders ENV's GitOps tree with every image pinned by the digest CI pushed. With --previous (the tree's current release.json, if there is one), each rollout's stable version keeps the image it ran, unless --promote names its service.",
    options: {
      env: { type: "string" },
      tag: { type: "string" },
      digests: { type: "string" },
      out: { type: "string" },
      message: { type: "string" },
      previous: { type: "string" },
      promote: { type: "string" },
    },
    run(v) {
      const out = required(v, "out");
      const env = required(v, "env");
      const previous = typeof v.previous === "string" ? readPreviousRelease(v.previous, env) : undefined;
      if (typeof v.previous === "string" && !previous)
        console.log(`no release at ${v.previous} yet: every version runs this release's images`);
      const record = writeRelease(
        {
          env,
          tag: required(v, "tag"),
          digests: readDigestDirectory(required(v, "digests")),
          previous,
          promoted: typeof v.promote === "string" ? v.promote.split(",").filter((s) => s !== "") : [],
        },
        out,
      );
      if (typeof v.message === "string") {
        mkdirSync(dirname(v.message), { recursive: true });
        writeFileSync(v.message, releaseMessage(record));
      }
      console.log(releaseMessage(record));
    },
  },
  "plan-summary": {
    usage:
      "usage: npm run plan-summary -- --env ENV --plan plan.json --out summary.md\n\nSummarizes a Terraform plan for a pull request.",
    options: { env: { type: "string" }, plan: { type: "string" }, out: { type: "string" } },
    run(v) {
      const summary = summarizePlan(required(v, "env"), parsePlan(readUserFile(required(v, "plan"), "plan")));
      writeFileSync(required(v, "out"), summary);
      console.log(summary);
    },
  },
  rules: {
    usage:
      "usage: npm run rules -- --out DIR [--gitops dist/gitops]\n\nExports the tree's PrometheusRules as rule files promtool reads.",
    options: { out: { type: "string" }, gitops: { type: "string" } },
    run(v) {
      const files = exportPrometheusRules(
        typeof v.gitops === "string" ? v.gitops : "dist/gitops",
        required(v, "out"),
      );
      for (const f of files) console.log(f);
    },
  },
  "rollout-wait": {
    usage:
      "usage: npm run rollout-wait -- (--namespace NS --intent NAME | --env ENV --tag COMMIT --digests DIR) [--timeout-minutes N] [--summary FILE] [--promoted FILE] [--server URL]\n\nWaits for a TrafficIntent's rollout, or for every rollout a release to ENV started, to be promoted (exit 0), aborted (1) or inconclusive (3); 4 when the timeout passes first. --promoted writes the promoted services, comma-separated, for `npm run release -- --promote`. Uses your kubeconfig unless --server names an API server.",
    options: {
      namespace: { type: "string" },
      intent: { type: "string" },
      env: { type: "string" },
      tag: { type: "string" },
      digests: { type: "string" },
      "timeout-minutes": { type: "string" },
      summary: { type: "string" },
      promoted: { type: "string" },
      server: { type: "string" },
    },
    async run(v) {
      const minutes = v["timeout-minutes"] === undefined ? undefined : Number(v["timeout-minutes"]);
      if (minutes !== undefined && !(minutes > 0))
        throw new UsageError(`--timeout-minutes must be a positive number, got '${v["timeout-minutes"]}'`);
      const expected: ExpectedRollout[] =
        typeof v.env === "string"
          ? releaseRollouts(
              releaseEnvironment({
                env: v.env,
                tag: required(v, "tag"),
                digests: readDigestDirectory(required(v, "digests")),
              }),
            )
          : [{ namespace: required(v, "namespace"), name: required(v, "intent"), timeoutMs: 30 * 60_000 }];
      // Your kubeconfig, or an explicit server (plain HTTP only on loopback, as the optimizer allows).
      const custom =
        typeof v.server === "string"
          ? kubeClients(v.server).custom
          : (() => {
              const config = new KubeConfig();
              config.loadFromDefault();
              return config.makeApiClient(CustomObjectsApi);
            })();
      const outcomes = await waitForRollouts(
        custom,
        expected.map((e) => (minutes === undefined ? e : { ...e, timeoutMs: minutes * 60_000 })),
        {
          pollMs: 10_000,
          now: () => Date.now(),
          sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
          onProgress: (r) =>
            process.stderr.write(
              `${r ? `${r.phase} at ${r.canaryWeight}%: ${r.reason}` : "waiting for the rollout's status"}\n`,
            ),
        },
      );
      const summary =
        outcomes.length === 0
          ? `### No rollout in this release\n\nEnvironment ${v.env} declares no rollout (optimizer.rollouts).\n`
          : outcomes.map((o) => rolloutSummary(`${o.namespace}/${o.name}`, o.result, o.rollout)).join("\n");
      if (typeof v.summary === "string") writeFileSync(v.summary, summary);
      if (typeof v.promoted === "string")
        writeFileSync(
          v.promoted,
          outcomes
            .filter((o) => o.result === "Promoted")
            .map((o) => o.name)
            .join(","),
        );
      console.log(summary);
      process.exitCode = EXIT_CODES[overallResult(outcomes)];
    },
  },
};

handleCliErrors(process.argv[2] ?? "delivery");
const [name, ...rest] = process.argv.slice(2);
const command = commands[name ?? ""];
if (!command)
  throw new UsageError(`unknown command "${name ?? ""}"; one of: ${Object.keys(commands).join(", ")}`);
const { values } = parseCli(command.usage, command.options, rest);
await command.run(values);
