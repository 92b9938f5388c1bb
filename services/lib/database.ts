/**
 * PostgreSQL for the services that own state in it (orders, payments, checkout): the settings,
 * a pool that fails fast, and the schema prepared in the background while the service reports
 * not ready with the reason. Each service owns one schema and its own numbered migrations.
 */
import pg from "pg";
import { setting } from "../../common/settings.js";
import { type Migration, migrate } from "./migrations.js";
import { fromStore } from "./server.js";

export const DATABASE_SETTINGS = {
  DATABASE_HOST: setting.text("127.0.0.1"),
  DATABASE_PORT: setting.port(5432),
  DATABASE_NAME: setting.text("orders"),
  DATABASE_USER: setting.text("orders"),
  DATABASE_PASSWORD: setting.optional(setting.text()),
  DATABASE_POOL_SIZE: setting.integer(10, 1, 100),
  /** "false" when a migration Job applies the schema instead. */
  MIGRATE_ON_START: setting.oneOf(["true", "false"] as const, "true"),
};

export interface DatabaseSettings {
  readonly DATABASE_HOST: string;
  readonly DATABASE_PORT: number;
  readonly DATABASE_NAME: string;
  readonly DATABASE_USER: string;
  readonly DATABASE_PASSWORD?: string;
  readonly DATABASE_POOL_SIZE: number;
}

/**
 * A pool that fails fast: a request waits at most two seconds for a connection and five for a
 * statement. `schema` is the service's own schema, first on the search path, so its tables need
 * no prefix and two services' tables never meet.
 */
export function createPool(
  settings: DatabaseSettings,
  owner: { readonly application: string; readonly schema?: string },
  onError: (e: Error) => void,
): pg.Pool {
  const pool = new pg.Pool({
    host: settings.DATABASE_HOST,
    port: settings.DATABASE_PORT,
    database: settings.DATABASE_NAME,
    user: settings.DATABASE_USER,
    password: settings.DATABASE_PASSWORD,
    max: settings.DATABASE_POOL_SIZE,
    connectionTimeoutMillis: 2000,
    statement_timeout: 5000,
    application_name: `meshpilot-${owner.application}`,
    ...(owner.schema ? { options: `-c search_path=${owner.schema}` } : {}),
  });
  // An idle client losing its connection must not crash the process; the next query reconnects.
  pool.on("error", onError);
  return pool;
}

export interface PreparedDatabase {
  readonly pool: pg.Pool;
  /** Runs store work once the schema is in; a store failure becomes a 4xx or a 503 (fromStore). */
  run<T>(work: () => Promise<T>): Promise<T>;
  /** Throws with the reason while the schema is not ready or the database does not answer. */
  readiness(): Promise<void>;
  /** Starts preparing the schema in the background (migrating, or waiting for the Job). */
  start(log: { info(o: object, m: string): void; error(o: object, m: string): void }): void;
  /** Resolves once the schema is ready (tests and the recovery worker wait on it). */
  ready(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The service's database: migrations applied in the background with backoff (or awaited from the
 * migration Job when MIGRATE_ON_START is "false"), so the service starts without its database and
 * says why it is not ready.
 */
export function prepareDatabase(
  settings: DatabaseSettings & { readonly MIGRATE_ON_START: "true" | "false" },
  owner: {
    readonly application: string;
    readonly schema?: string;
    readonly migrations: readonly Migration[];
  },
  onIdleError: (e: Error) => void,
): PreparedDatabase {
  let schemaReady = false;
  let lastError = "not checked yet";
  let closed = false;
  let markReady: () => void = () => {};
  const readyPromise = new Promise<void>((resolve) => {
    markReady = resolve;
  });
  const pool = createPool(settings, owner, onIdleError);
  const latest = Math.max(...owner.migrations.map((m) => m.version));
  const what = `the ${owner.schema ?? owner.application} schema`;
  return {
    pool,
    run: (work) =>
      fromStore("postgresql", async () => {
        if (!schemaReady) throw new Error(`${what} is not ready: ${lastError}`);
        return work();
      }),
    async readiness() {
      if (!schemaReady) throw new Error(`${what} is not ready: ${lastError}`);
      await pool.query("SELECT 1");
    },
    start(log) {
      void (async () => {
        for (let attempt = 0; !closed; attempt++) {
          try {
            if (settings.MIGRATE_ON_START === "true") {
              const applied = await migrate(pool, owner.migrations, owner.schema);
              if (applied.length > 0) log.info({ applied }, "applied migrations");
            } else {
              const { rows } = await pool.query<{ v: number | null }>(
                "SELECT max(version) AS v FROM schema_migrations",
              );
              if ((rows[0].v ?? 0) < latest)
                throw new Error(`the migration Job has not applied version ${latest} yet`);
            }
            schemaReady = true;
            markReady();
            return;
          } catch (e) {
            const message = (e as Error).message;
            if (message !== lastError) log.error({ err: e }, `${what} not ready; retrying`);
            lastError = message;
            await new Promise((resolve) => setTimeout(resolve, Math.min(5000, 100 * 2 ** attempt)));
          }
        }
      })();
    },
    ready: () => readyPromise,
    async close() {
      closed = true;
      await pool.end();
    },
  };
}
