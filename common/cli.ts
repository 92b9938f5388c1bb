/**
 * What every Meshpilot command does the same way: `--help` prints its usage; a bad flag, a missing
 * file or invalid input is one line naming the flag, file or key, and exit code 2; anything else is
 * one line and exit code 1. No stack traces unless MESHPILOT_DEBUG=1 asks for them.
 */
import { readFileSync } from "node:fs";
import { type ParseArgsConfig, parseArgs } from "node:util";

/** The caller's input is wrong: a flag, a file, a value. Exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

type Options = NonNullable<ParseArgsConfig["options"]>;

/**
 * Parses the command line. `--help` (or `-h`) prints `usage` and exits 0; an unknown flag or a
 * missing value is a UsageError that names it.
 */
export function parseCli<O extends Options>(
  usage: string,
  options: O,
  args: string[] = process.argv.slice(2),
  allowPositionals = false,
) {
  if (args.includes("--help") || args.includes("-h")) {
    process.stdout.write(`${usage.trim()}\n`);
    process.exit(0);
  }
  try {
    return parseArgs({ args, options, strict: true, allowPositionals });
  } catch (e) {
    // Node's messages already name the flag ("Unknown option '--x'"); drop its own advice line.
    const message = (e as Error).message.split("\n")[0].replace(/\. To specify a positional.*$/, "");
    throw new UsageError(`${message}\n${usage.trim()}`);
  }
}

/** Reads a file the user named, or says which one could not be read and why, in one line. */
export function readUserFile(path: string, what: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT"
        ? "no such file"
        : code === "EACCES"
          ? "permission denied"
          : code === "EISDIR"
            ? "it is a directory"
            : (e as Error).message;
    throw new UsageError(`cannot read ${what} '${path}': ${why}`);
  }
}

/** Errors that are the input's fault, besides UsageError: their message already names the file and key. */
const INPUT_ERRORS = new Set([
  "UsageError",
  "ScenarioError",
  "InvalidPropError",
  "SettingsError",
  "ShopModelError",
  "SchemaError",
  "UnknownNameError",
  "EnvironmentError",
]);

/**
 * Makes any error that escapes a command one line on stderr and an exit code (2 for bad input, 1
 * otherwise). Call it first in a command's module: it covers top-level await too.
 */
export function handleCliErrors(command: string): void {
  const report = (e: unknown) => {
    const err = e instanceof Error ? e : new Error(String(e));
    process.stderr.write(`${command}: ${err.message}\n`);
    if (process.env.MESHPILOT_DEBUG === "1" && err.stack) process.stderr.write(`${err.stack}\n`);
    // Exit now: servers or timers the command started must not keep a failed run alive.
    process.exit(INPUT_ERRORS.has(err.name) ? 2 : 1);
  };
  process.on("uncaughtException", report);
  process.on("unhandledRejection", report);
}
