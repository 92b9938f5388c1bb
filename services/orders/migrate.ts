/**
 * The orders migration Job's entry: applies pending migrations and exits 0, or prints one line
 * and exits non-zero. Replicas started with MIGRATE_ON_START=false wait for it.
 */
import { loadSettings, SettingsError } from "../../common/settings.js";
import { createPool, DATABASE_SETTINGS } from "../lib/database.js";
import { migrate } from "../lib/migrations.js";
import { MIGRATIONS } from "./migrations.js";

try {
  const pool = createPool(loadSettings(DATABASE_SETTINGS), { application: "orders-migrate" }, () => {});
  try {
    const applied = await migrate(pool, MIGRATIONS);
    console.log(applied.length > 0 ? `applied migrations ${applied.join(", ")}` : "schema is up to date");
  } finally {
    await pool.end();
  }
} catch (e) {
  console.error(`orders migrate: ${e instanceof SettingsError ? e.message : (e as Error).message}`);
  process.exit(e instanceof SettingsError ? 2 : 1);
}
