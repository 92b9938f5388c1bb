/**
 * The one synth entry: `npm start`, `npx cdktf synth|deploy` and `npx cdk8s synth` all run this.
 *
 * It needs no credentials, network, terraform or cdktf CLI: it only writes files under dist/.
 */
import { mkdirSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { synthGitOpsTree, writeGitOpsTree } from "./charts/gitops-tree.js";
import { ENVIRONMENTS } from "./config/environments.js";
import { buildPlatformApp } from "./stacks/app.js";
import { formatSummary, summarizeGitOps, summarizeTerraform } from "./stacks/summary.js";

const root = process.cwd();
// cdktf-cli tells the app where to write through CDKTF_OUTDIR; alone, we write to dist/.
const terraformOut = resolve(process.env.CDKTF_OUTDIR ?? join(root, "dist", "terraform"));
const gitopsOut = resolve(process.env.CDK8S_OUTDIR ?? join(root, "dist", "gitops"));

// Start clean so a removed stack or environment never lingers in the output.
rmSync(terraformOut, { recursive: true, force: true });
mkdirSync(terraformOut, { recursive: true });

const { app, warnings } = buildPlatformApp({ outdir: terraformOut });
app.synth();

// The GitOps tree per environment: every object validated against its upstream schema first.
for (const env of ENVIRONMENTS) writeGitOpsTree(gitopsOut, env, synthGitOpsTree(env));

console.log(formatSummary(summarizeTerraform(terraformOut), summarizeGitOps(gitopsOut), warnings, root));
console.log(
  `\nWritten to ${terraformOut}${summarizeGitOps(gitopsOut).length > 0 ? ` and ${gitopsOut}` : ""}`,
);
