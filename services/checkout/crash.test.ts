/**
 * A crash at each step of the checkout saga: a checkout process is SIGKILLed (by its
 * FAULT_CRASH_AFTER knob) right after the charge, right after the order, and in the middle of
 * giving the money back. Each time the recovery worker of another checkout process finishes what
 * the dead one started, the books balance, and the customer's retry hears how it ended.
 */
import { jest } from "@jest/globals";
import type pg from "pg";
import { freePort } from "../../common/free-port.js";
import type { RunningShop } from "../local/processes.js";
import { TEST_CARDS } from "../payments/card.js";
import { checkoutId } from "./app.js";
import { reconcileMoney } from "./reconcile.js";
import { type ShopWithBooks, startShopWithBooks } from "./shop-with-books.js";

jest.setTimeout(180_000);

let shop: RunningShop;
let db: pg.Client;
let running: ShopWithBooks | undefined;

beforeAll(async () => {
  // The survivor: its recovery worker looks every 200 ms for checkouts whose lease ran out.
  running = await startShopWithBooks(33_000, { checkout: { CHECKOUT_RECOVERY_INTERVAL_MS: "200" } });
  ({ shop, db } = running);
}, 180_000);
afterAll(async () => running?.stop(), 60_000);

const card = { number: TEST_CARDS.approved, expMonth: 12, expYear: 2030, cvv: "123" };

async function post(url: string, sid: string, key: string) {
  const res = await fetch(`${url}/checkout`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-session-id": sid, "idempotency-key": key },
    body: JSON.stringify({ userId: "crash-user", card }),
  });
  return { status: res.status, body: (await res.json()) as any };
}

/** Polls the record until recovery has finished it (at most 90 s: the lease, then a pass). */
async function settled(id: string): Promise<string> {
  for (let i = 0; i < 900; i++) {
    const { rows } = await db.query("SELECT state FROM checkout.checkouts WHERE id = $1", [id]);
    const state = rows[0]?.state;
    if (["completed", "declined", "rejected", "voided", "abandoned"].includes(state)) return state;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`checkout ${id} was not recovered in 90 s`);
}

it.each([
  ["after the charge", "charge", {}, "completed"],
  ["after the order", "order", {}, "completed"],
  ["mid-compensation", "abandon-order", { failCreates: true }, "voided"],
] as const)("converges when checkout is killed %s", async (_when, point, how, expected) => {
  const sid = `crash-session-${point}-0001`;
  const key = `crash-key-${point}`;
  const added = await fetch(`${shop.urls.cart}/cart/items`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-session-id": sid },
    body: JSON.stringify({ productId: "cof-001", quantity: 2 }),
  });
  expect(added.status).toBe(200);
  // Orders that fail every create (and answer everything else) send the saga into compensation.
  const ordersUrl =
    "failCreates" in how
      ? await shop.extra("orders", await freePort(), { FAULT_ERROR_RATE: "1", FAULT_PATHS: "/orders" })
      : shop.urls.orders;
  const doomed = await shop.extra("checkout", await freePort(), {
    FAULT_CRASH_AFTER: point,
    ORDERS_URL: ordersUrl,
    // Patient calls, so that a loaded machine does not send the saga down another path; the
    // heartbeat keeps the lease while the doomed process lives, and it runs out once the process is
    // dead. The lease outlasts many seconds of a starved event loop: with 5 s, and once with 15 s,
    // a busy machine let the survivor take the checkout before the charge and abandon it.
    UPSTREAM_RETRIES: "0",
    UPSTREAM_TIMEOUT_MS: "20000",
    CHECKOUT_LEASE_MS: "30000",
    CHECKOUT_RECOVERY_INTERVAL_MS: "0",
  });

  await expect(post(doomed, sid, key)).rejects.toThrow();
  expect((await shop.exited(doomed)).signal).toBe("SIGKILL");

  const id = checkoutId(key, sid);
  expect(await settled(id)).toBe(expected);
  expect((await reconcileMoney(db)).violations).toEqual([]);
  const retry = await post(shop.urls.checkout, sid, key);
  if (expected === "completed") {
    expect(retry.status).toBe(201);
    expect(retry.body.order.status).toBe("placed");
    expect(retry.body.payment.status).toBe("captured");
  } else {
    expect([retry.status, retry.body.error]).toEqual([409, "checkout_voided"]);
  }
});
