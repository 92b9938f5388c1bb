/**
 * The orders schema as numbered migrations, applied in order inside one transaction under an
 * advisory lock, so replicas starting together (or a migration Job racing a replica) apply each
 * migration exactly once. Applied migrations are recorded with a checksum; editing one that has
 * run is refused, because the database would no longer match the code.
 */
import { createHash } from "node:crypto";
import type pg from "pg";

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "orders and their lines",
    sql: `
      CREATE TABLE orders (
        id uuid PRIMARY KEY,
        idempotency_key text NOT NULL UNIQUE,
        fingerprint text NOT NULL,
        user_id text NOT NULL,
        status text NOT NULL CHECK (status IN ('placed', 'cancelled')),
        payment_id text,
        currency text NOT NULL,
        total_cents integer NOT NULL CHECK (total_cents >= 0),
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE order_items (
        order_id uuid NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
        product_id text NOT NULL,
        quantity integer NOT NULL CHECK (quantity > 0),
        unit_price_cents integer NOT NULL CHECK (unit_price_cents >= 0),
        PRIMARY KEY (order_id, product_id)
      );`,
  },
  {
    version: 2,
    name: "list a user's orders newest first",
    sql: "CREATE INDEX orders_by_user ON orders (user_id, created_at DESC, id);",
  },
];

const LOCK_ID = 0x6d657368; // "mesh": one lock for this schema's migrations

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
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<number[]> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    await client.query("SELECT pg_advisory_xact_lock($1)", [LOCK_ID]);
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
    await client.query("COMMIT");
    return done;
  } catch (e) {
    await client.query("ROLLBACK").catch(() => {});
    throw e;
  } finally {
    client.release();
  }
}
