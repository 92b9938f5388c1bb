/**
 * For the money tests: the shop as processes on real stores, and a client on its PostgreSQL
 * database for reconciling the books. `stop` ends both.
 */
import pg from "pg";
import { freeOffset, type RunningShop, type ShopOptions, startShop } from "../local/processes.js";

export interface ShopWithBooks {
  readonly shop: RunningShop;
  readonly db: pg.Client;
  stop(): Promise<void>;
}

export async function startShopWithBooks(
  portsFrom: number,
  overrides: ShopOptions["overrides"],
): Promise<ShopWithBooks> {
  const shop = await startShop({
    portOffset: await freeOffset(portsFrom),
    env: { PATH: process.env.PATH, LOG_LEVEL: "warn" },
    log: () => {},
    overrides,
  });
  const db = new pg.Client({ ...shop.stores.postgresql });
  try {
    await db.connect();
  } catch (e) {
    await shop.stop();
    throw e;
  }
  return {
    shop,
    db,
    async stop() {
      await db.end().catch(() => {});
      await shop.stop();
    },
  };
}
