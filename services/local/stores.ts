/**
 * Real Redis and PostgreSQL on loopback, from the Debian packages, for `npm run shop` and the
 * tests. Each server gets a fresh temporary directory and a free port, and is stopped with its
 * directory removed. Nothing here is a double: these are the servers the cart and orders use.
 */
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { createClient } from "redis";
import { capture, stopChild, waitFor } from "../../common/child-process.js";
import { freePort } from "../../common/free-port.js";

export interface RunningStore {
  readonly host: string;
  readonly port: number;
  stop(): Promise<void>;
}

export interface RunningPostgres extends RunningStore {
  readonly database: string;
  readonly user: string;
  readonly password: string;
}

function which(binary: string, fallbacks: readonly string[]): string {
  for (const dir of (process.env.PATH ?? "").split(":")) {
    if (dir && existsSync(join(dir, binary))) return join(dir, binary);
  }
  for (const f of fallbacks) if (existsSync(f)) return f;
  throw new Error(
    `${binary} was not found on PATH; install the Debian package (apt-get install ${binary === "redis-server" ? "redis-server" : "postgresql"})`,
  );
}

/** Starts redis-server on 127.0.0.1 with a password, no persistence, and a private directory. */
export async function startRedis(password = "meshpilot-local"): Promise<RunningStore & { password: string }> {
  const binary = which("redis-server", ["/usr/bin/redis-server"]);
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "meshpilot-redis-"));
  const child = spawn(
    binary,
    [
      "--bind",
      "127.0.0.1",
      "--port",
      String(port),
      "--requirepass",
      password,
      "--save",
      "",
      "--appendonly",
      "no",
      "--dir",
      dir,
      "--daemonize",
      "no",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  const log = capture(child);
  await waitFor(
    "redis-server",
    async () => {
      const client = createClient({
        socket: { host: "127.0.0.1", port, reconnectStrategy: false },
        password,
      });
      client.on("error", () => {});
      await client.connect();
      await client.ping();
      await client.close();
    },
    child,
    log,
  );
  return {
    host: "127.0.0.1",
    port,
    password,
    async stop() {
      await stopChild(child, "SIGTERM");
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The newest PostgreSQL server binaries Debian installed (they are not on PATH by default). */
function postgresBin(): string {
  const root = "/usr/lib/postgresql";
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(join(root, v, "bin", "postgres")))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length > 0) return join(root, versions[0], "bin");
  return join(which("postgres", []), "..");
}

/**
 * Starts a throwaway PostgreSQL cluster on 127.0.0.1 with a database and an owner role.
 * PostgreSQL refuses to run as root, so under root the cluster runs as the `postgres` user.
 */
export async function startPostgres(
  options: { database?: string; user?: string; password?: string } = {},
): Promise<RunningPostgres> {
  const database = options.database ?? "orders";
  const user = options.user ?? "orders";
  const password = options.password ?? "meshpilot-local";
  const bin = postgresBin();
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "meshpilot-postgres-"));
  const ids: { uid?: number; gid?: number } = {};
  if (process.getuid?.() === 0) {
    ids.uid = Number(execFileSync("id", ["-u", "postgres"]).toString().trim());
    ids.gid = Number(execFileSync("id", ["-g", "postgres"]).toString().trim());
    execFileSync("chown", [`${ids.uid}:${ids.gid}`, dir]);
  }
  const data = join(dir, "data");
  execFileSync(
    join(bin, "initdb"),
    ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync"],
    { ...ids, stdio: "pipe" },
  );
  // fsync off: a throwaway cluster trades durability for speed.
  const child = spawn(
    join(bin, "postgres"),
    ["-D", data, "-h", "127.0.0.1", "-p", String(port), "-k", dir, "-F", "-c", "max_connections=200"],
    { ...ids, stdio: ["ignore", "pipe", "pipe"] },
  );
  const log = capture(child);
  const admin = () => new pg.Client({ host: "127.0.0.1", port, user: "postgres", database: "postgres" });
  await waitFor(
    "postgres",
    async () => {
      const c = admin();
      try {
        await c.connect();
        await c.query("SELECT 1");
      } finally {
        await c.end().catch(() => {});
      }
    },
    child,
    log,
  );
  const c = admin();
  await c.connect();
  await c.query(`CREATE ROLE "${user}" LOGIN PASSWORD '${password.replaceAll("'", "''")}'`);
  await c.query(`CREATE DATABASE "${database}" OWNER "${user}"`);
  await c.end();
  return {
    host: "127.0.0.1",
    port,
    database,
    user,
    password,
    async stop() {
      // SIGINT is PostgreSQL's fast shutdown: it ends sessions and exits cleanly.
      await stopChild(child, "SIGINT");
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
