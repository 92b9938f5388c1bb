/**
 * The cdktf and cdk8s CLIs, pinned and working on Node 24:
 *
 *   npm run cdktf -- synth | deploy <stack> | ...
 *   npm run cdk8s -- synth
 *   npm run check:clis          both CLIs synthesize offline, byte-identical to `npm start`
 *
 * The CLIs are tools, not dependencies: they install once into a cache folder outside the
 * project (MESHPILOT_TOOLS_DIR, default ~/.cache/meshpilot/cli-tools-<versions>), so neither the
 * repository's install nor a consumer's carries their 500 MB.
 *
 * Why a helper at all: cdktf-cli 0.21.0 loads node-pty, whose prebuilt binaries stop at Node 22
 * (ABI 127); Node 24 is ABI 137. npm does not run node-pty's install script by default, so the
 * helper runs `npm rebuild @cdktf/node-pty-prebuilt-multiarch --nodedir=<this Node>` (about 6 s,
 * needs make, a C++ compiler and python3) whenever the module does not load.
 */
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { handleCliErrors, UsageError } from "../common/cli.js";
import { runCommand } from "./run-command.js";

/** cdktf-cli matches the cdktf library it drives; cdk8s-cli is the 2.x the docs were checked with. */
export const CLI_VERSIONS = { cdktf: "0.21.0", cdk8s: "2.207.60" } as const;
const PACKAGES = { cdktf: "cdktf-cli", cdk8s: "cdk8s-cli" } as const;
type Tool = keyof typeof CLI_VERSIONS;

const INSTALL_TIMEOUT_MS = 15 * 60_000;
const SYNTH_TIMEOUT_MS = 5 * 60_000;

const USAGE = `usage: npm run cdktf -- <cdktf arguments>
       npm run cdk8s -- <cdk8s arguments>
       npm run check:clis

Runs cdktf-cli ${CLI_VERSIONS.cdktf} or cdk8s-cli ${CLI_VERSIONS.cdk8s}, installed on first use into
${toolsDir()} (set MESHPILOT_TOOLS_DIR to move it), with node-pty rebuilt for this Node.
check:clis synthesizes with both, offline where the machine allows, and fails unless their output
is byte-identical to npm start's.`;

export function toolsDir(): string {
  return (
    process.env.MESHPILOT_TOOLS_DIR ??
    join(homedir(), ".cache/meshpilot", `cli-tools-cdktf${CLI_VERSIONS.cdktf}-cdk8s${CLI_VERSIONS.cdk8s}`)
  );
}

function bin(tool: Tool): string {
  return join(toolsDir(), "node_modules/.bin", tool);
}

const NODE_PTY = "@cdktf/node-pty-prebuilt-multiarch";

function nodePtyLoads(): boolean {
  const probe = spawnSync(process.execPath, ["-e", `require(${JSON.stringify(NODE_PTY)})`], {
    cwd: toolsDir(),
    stdio: "ignore",
    timeout: 60_000,
  });
  return probe.status === 0;
}

/** Installs both CLIs if missing and makes node-pty load on this Node; idempotent. */
export function ensureTools(): void {
  const dir = toolsDir();
  if (!existsSync(bin("cdktf")) || !existsSync(bin("cdk8s"))) {
    process.stderr.write(
      `installing cdktf-cli ${CLI_VERSIONS.cdktf} and cdk8s-cli ${CLI_VERSIONS.cdk8s} into ${dir}\n`,
    );
    const specs = (Object.keys(CLI_VERSIONS) as Tool[]).map((t) => `${PACKAGES[t]}@${CLI_VERSIONS[t]}`);
    runCommand("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", "--prefix", dir, ...specs], {
      timeoutMs: INSTALL_TIMEOUT_MS,
    });
  }
  if (!nodePtyLoads()) {
    // The Node headers ship beside the binary (include/node), so node-gyp needs no download.
    const nodeDir = dirname(dirname(process.execPath));
    process.stderr.write(`rebuilding ${NODE_PTY} for Node ${process.versions.node}\n`);
    runCommand("npm", ["rebuild", NODE_PTY, `--nodedir=${nodeDir}`, "--loglevel=error"], {
      cwd: dir,
      timeoutMs: INSTALL_TIMEOUT_MS,
    });
    if (!nodePtyLoads()) throw new Error(`${NODE_PTY} still does not load on Node ${process.versions.node}`);
  }
}

/** The update checks and crash reports the CLIs would otherwise try to send. */
const QUIET_ENV = { ...process.env, CHECKPOINT_DISABLE: "1" };

/** Runs a synth with no network where the kernel lets us take it away (a fresh network namespace). */
function offlinePrefix(): string[] {
  const probe = spawnSync("unshare", ["-n", "true"], { stdio: "ignore", timeout: 10_000 });
  return probe.status === 0 ? ["unshare", "-n"] : [];
}

function synthWith(command: string[]): void {
  const [head, ...rest] = [...offlinePrefix(), ...command];
  runCommand(head, rest, { env: QUIET_ENV, timeoutMs: SYNTH_TIMEOUT_MS });
}

function checkClis(): void {
  ensureTools();
  const reference = mkdtempSync(join(tmpdir(), "meshpilot-synth-"));
  try {
    synthWith(["npm", "start", "--silent"]);
    cpSync("dist", join(reference, "dist"), { recursive: true });
    const offline = offlinePrefix().length > 0 ? ", offline" : "";
    for (const [tool, args] of [
      ["cdktf", ["synth"]],
      ["cdk8s", ["synth"]],
    ] as const) {
      synthWith([bin(tool), ...args]);
      runCommand("diff", ["-r", "--brief", join(reference, "dist"), "dist"], { timeoutMs: 60_000 });
      console.log(
        `${PACKAGES[tool]} ${CLI_VERSIONS[tool]} ${args.join(" ")}${offline}: dist/ byte-identical to npm start`,
      );
    }
  } finally {
    rmSync(reference, { recursive: true, force: true });
  }
}

function main(args: string[]): void {
  const [first, ...rest] = args;
  if (first === "--check" && rest.length === 0) {
    checkClis();
    return;
  }
  if (first !== "cdktf" && first !== "cdk8s") {
    if (first === undefined || first === "--help" || first === "-h") {
      process.stdout.write(`${USAGE}\n`);
      return;
    }
    throw new UsageError(`unknown tool '${first}'; one of cdktf, cdk8s, --check\n${USAGE}`);
  }
  ensureTools();
  const run = spawnSync(bin(first), rest, { stdio: "inherit", env: QUIET_ENV });
  process.exitCode = run.status ?? 1;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  handleCliErrors("cli-tools");
  main(process.argv.slice(2));
}
