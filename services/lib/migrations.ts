/**
 * A service's schema as numbered migrations, applied in order inside one transaction under an
 * advisory lock, so replicas starting together (or a migration Job racing a replica) apply each
 * migration exactly once. Applied migrations are recorded with a checksum; editing one that has
 * run is refused, because the database would no longer match the code.
 */
import { createHash } from "node:crypto";
import type pg from "pg";
import { transaction } from "./transaction.js";

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** One advisory lock per schema: "mesh" for the default one, a hash of the name for the others. */
function lockId(schema: string | undefined): number {
  if (!schema) return 0x6d657368;
  return createHash("sha256").update(schema).digest().readInt32BE(0);
}
function checksum(m: Migration): string {
  return createHash("sha256").update(m.sql).digest("hex");
}

export class MigrationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MigrationError";
  }
}

/** Applies every migration not yet applied; returns the versions it applied. */
export async function migrate(
  pool: pg.Pool,
  migrations: readonly Migration[],
  schema?: string,
): Promise<number[]> {
  if (schema !== undefined && !SCHEMA_NAME.test(schema))
    throw new MigrationError(
      `schema '${schema}' must be a lower-case SQL identifier (${SCHEMA_NAME.source})`,
    );
  return transaction(pool, async (client) => {
    await client.query("SELECT pg_advisory_xact_lock($1)", [lockId(schema)]);
    // The pool puts the schema first on the search path; it must exist before anything is made in it.
    if (schema) await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await client.query(`
      CREATE TABLE IF NOT EXISTS schema_migrations (
        version integer PRIMARY KEY,
        name text NOT NULL,
        checksum text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`);
    const { rows } = await client.query<{ version: number; checksum: string }>(
      "SELECT version, checksum FROM schema_migrations",
    );
    const applied = new Map(rows.map((r) => [r.version, r.checksum]));
    const known = new Set(migrations.map((m) => m.version));
    const unknown = [...applied.keys()].filter((v) => !known.has(v));
    if (unknown.length > 0)
      throw new MigrationError(
        `the database has migration ${unknown.join(", ")} that this build does not know; deploy a build that includes it`,
      );
    const done: number[] = [];
    for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
      const sum = checksum(m);
      const previous = applied.get(m.version);
      if (previous !== undefined) {
        if (previous !== sum)
          throw new MigrationError(
            `migration ${m.version} (${m.name}) changed after it was applied; add a new migration instead`,
          );
        continue;
      }
      await client.query(m.sql);
      await client.query("INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)", [
        m.version,
        m.name,
        sum,
      ]);
      done.push(m.version);
    }
    return done;
  });
}
