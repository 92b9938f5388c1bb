/**
 * The file each container image runs is the esbuild bundle of its service. No Docker engine runs
 * here, so this runs the seven bundles themselves, as processes, and buys something through them.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { jest } from "@jest/globals";
import { SHOP_SERVICES } from "../config/shop.js";
import { apiShopper } from "../test/shopper.js";
import { bundleService } from "./bundle.js";
import { type RunningShop, startShop } from "./local/processes.js";
import { TEST_CARDS } from "./payments/card.js";

jest.setTimeout(120_000);

const out = mkdtempSync(join(tmpdir(), "meshpilot-bundles-"));
let shop: RunningShop;

beforeAll(async () => {
  for (const s of SHOP_SERVICES) await bundleService(s.name, out);
  shop = await startShop({
    portOffset: 23_000,
    env: { PATH: process.env.PATH, LOG_LEVEL: "warn" },
    entry: (name) => [join(out, name, "service.mjs")],
    log: () => {},
  });
});
afterAll(async () => {
  await shop?.stop();
  rmSync(out, { recursive: true, force: true });
});

it("the bundled services, alone and without node_modules beside them, run the shop", async () => {
  const { call } = await apiShopper(shop.urls.frontend);
  expect((await call("/api/cart/items", "POST", { productId: "tea-003", quantity: 2 })).status).toBe(200);
  const paid = await call(
    "/api/checkout",
    "POST",
    { card: { number: TEST_CARDS.approved, expMonth: 1, expYear: 2031, cvv: "999" } },
    { "idempotency-key": "bundle-purchase-1" },
  );
  expect(paid.status).toBe(201);
  expect(paid.body.order.status).toBe("placed");
  for (const url of Object.values(shop.urls)) {
    const metrics = await (await fetch(`${shop.metricsUrl(url)}/metrics`)).text();
    expect(metrics).toContain("http_server_request_duration_seconds_bucket");
  }
});

it("the orders image's migration Job entry applies the schema, and refuses bad settings in one line", () => {
  const { postgresql } = shop.stores;
  const env = {
    PATH: process.env.PATH,
    DATABASE_HOST: postgresql.host,
    DATABASE_PORT: String(postgresql.port),
    DATABASE_NAME: postgresql.database,
    DATABASE_USER: postgresql.user,
    DATABASE_PASSWORD: postgresql.password ?? "",
  };
  const ok = spawnSync(process.execPath, [join(out, "orders", "migrate.mjs")], { env, encoding: "utf8" });
  expect(ok.status).toBe(0);
  expect(ok.stdout.trim()).toBe("schema is up to date");
  const bad = spawnSync(process.execPath, [join(out, "orders", "migrate.mjs")], {
    env: { ...env, DATABASE_PORT: "99999" },
    encoding: "utf8",
  });
  expect(bad.status).toBe(2);
  expect(bad.stderr.trim()).toBe(
    'orders migrate: DATABASE_PORT is "99999" but must be a TCP port from 1 to 65535',
  );
});
