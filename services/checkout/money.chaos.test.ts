/**
 * The money invariant under chaos: the shop as real processes on real Redis and PostgreSQL,
 * orders and payments failing 30% of their requests and delaying others past checkout's timeout, 240 checkouts run at once through two
 * checkout processes (a quarter sent as three concurrent copies under one key, every client
 * retrying with its key), one checkout process SIGKILLed mid-run and started again. After the
 * recovery worker has run, every charge is reconciled against every order and checkout record,
 * and every answer the clients got is checked against the books.
 */
import { jest } from "@jest/globals";
import type pg from "pg";
import { freePort } from "../../common/free-port.js";
import { Random } from "../../common/random.js";
import { PRODUCTS } from "../catalog/products.js";
import type { RunningShop } from "../local/processes.js";
import { TEST_CARDS } from "../payments/card.js";
import { reconcileMoney } from "./reconcile.js";
import { type ShopWithBooks, startShopWithBooks } from "./shop-with-books.js";

jest.setTimeout(240_000);

const CHECKOUTS = 240;
const SEED = 20261202;
/** Both checkout processes: short leases and a quick recovery period, and a timeout some answers miss. */
const CHECKOUT_ENV = {
  CHECKOUT_LEASE_MS: "3000",
  CHECKOUT_RECOVERY_INTERVAL_MS: "500",
  UPSTREAM_TIMEOUT_MS: "500",
};

let shop: RunningShop;
let db: pg.Client;
let running: ShopWithBooks | undefined;

beforeAll(async () => {
  running = await startShopWithBooks(31_000, {
    // Errors before the work, and delays past checkout's timeout after which the work still
    // lands: the caller cannot tell a lost request from a lost answer.
    orders: { FAULT_ERROR_RATE: "0.3", FAULT_LATENCY_JITTER_MS: "700", FAULT_SEED: "7" },
    payments: { FAULT_ERROR_RATE: "0.3", FAULT_LATENCY_JITTER_MS: "700", FAULT_SEED: "11" },
    checkout: CHECKOUT_ENV,
  });
  ({ shop, db } = running);
}, 180_000);
afterAll(async () => running?.stop(), 60_000);

interface Answer {
  readonly status: number;
  readonly body: any;
}

/** One customer's checkout: a session, a cart, and copies that each retry with the same key. */
async function customer(
  i: number,
  random: Random,
  checkoutUrls: () => readonly string[],
  onAnswer: () => void,
): Promise<{ key: string; sid: string; declined: boolean; answers: Answer[] }> {
  const sid = `chaos-session-${String(i).padStart(6, "0")}`;
  const key = `chaos-key-${String(i).padStart(6, "0")}`;
  const headers = { "content-type": "application/json", "x-session-id": sid };
  const lines = 1 + random.int(3);
  for (let l = 0; l < lines; l++) {
    const product = PRODUCTS[random.int(PRODUCTS.length)];
    const res = await fetch(`${shop.urls.cart}/cart/items`, {
      method: "POST",
      headers,
      body: JSON.stringify({ productId: product.id, quantity: 1 + random.int(3) }),
    });
    if (res.status !== 200) throw new Error(`cart answered ${res.status}`);
  }
  const declined = random.chance(0.1);
  const body = JSON.stringify({
    userId: `chaos-user-${i}`,
    card: {
      number: declined ? TEST_CARDS.declined : TEST_CARDS.approved,
      expMonth: 12,
      expYear: 2030,
      cvv: "123",
    },
  });
  const copies = random.chance(0.25) ? 3 : 1;
  const answers: Answer[] = [];
  await Promise.all(
    Array.from({ length: copies }, async (_, c) => {
      const mine = random.fork(`copy-${c}`);
      // A client that retries on no answer, a 5xx or a 202, with the same key, up to eight times.
      for (let attempt = 0; attempt < 8; attempt++) {
        const urls = checkoutUrls();
        const url = urls[mine.int(urls.length)];
        try {
          const res = await fetch(`${url}/checkout`, {
            method: "POST",
            headers: { ...headers, "idempotency-key": key },
            body,
            signal: AbortSignal.timeout(15_000),
          });
          const text = await res.text();
          const answer = { status: res.status, body: text ? JSON.parse(text) : undefined };
          if (res.status !== 202 && res.status < 500) {
            answers.push(answer);
            onAnswer();
            return;
          }
        } catch {
          // The process was killed under this request, or did not answer: retry.
        }
        await new Promise((resolve) => setTimeout(resolve, 50 + mine.int(200) * (attempt + 1)));
      }
    }),
  );
  return { key, sid, declined, answers };
}

it("loses no money and no order whatever fails, crashes, times out or runs twice", async () => {
  const random = new Random(SEED);
  const primary = shop.urls.checkout;
  const secondUrl = `http://127.0.0.1:${await freePort()}`;
  const second = await shop.extra("checkout", Number(new URL(secondUrl).port), CHECKOUT_ENV);
  let live: string[] = [primary, second];
  let answered = 0;
  let killed: Promise<void> | undefined;
  // Mid-run, once a fifth of the checkouts have their answer, the primary is SIGKILLed; the
  // clients carry on against the second, and the primary comes back on its port.
  const onAnswer = () => {
    answered++;
    if (answered === Math.floor(CHECKOUTS / 5) && !killed) {
      live = [second];
      killed = (async () => {
        await shop.kill(primary);
        await shop.extra("checkout", Number(new URL(primary).port), CHECKOUT_ENV);
        live = [primary, second];
      })();
    }
  };
  const customers = await Promise.all(
    Array.from({ length: CHECKOUTS }, (_, i) =>
      customer(i, random.fork(`customer-${i}`), () => live, onAnswer),
    ),
  );
  await killed;
  expect(killed).toBeDefined();

  // The recovery workers (every 500 ms, on both processes) settle whatever is left; wait for the
  // books to have no half-done checkout, at most a minute.
  let books = await reconcileMoney(db);
  for (let pass = 0; pass < 600 && books.violations.length > 0; pass++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    books = await reconcileMoney(db);
  }
  expect(books.violations).toEqual([]);

  // Every answer a client got agrees with the books, and the copies of one key agree with each other.
  const disagreements: string[] = [];
  for (const c of customers) {
    const statuses = new Set(c.answers.map((a) => a.status));
    if (statuses.size > 1) disagreements.push(`${c.key}: copies answered ${[...statuses].join(", ")}`);
    const orders = new Set(c.answers.filter((a) => a.status === 201).map((a) => a.body.order.id));
    if (orders.size > 1) disagreements.push(`${c.key}: copies got ${orders.size} different orders`);
    for (const a of c.answers.filter((x) => x.status === 201)) {
      const { rows } = await db.query(
        `SELECT o.status AS order_status, p.status AS payment_status FROM orders o
         JOIN payments.payments p ON p.id = o.payment_id WHERE o.id = $1`,
        [a.body.order.id],
      );
      if (rows[0]?.order_status !== "placed" || rows[0]?.payment_status !== "captured")
        disagreements.push(`${c.key}: answered 201 but order/charge are ${JSON.stringify(rows[0])}`);
    }
    // A declined card is declined, or (payments not answering) the checkout stopped uncharged.
    if (c.declined && c.answers.some((a) => a.status !== 402 && a.body?.error !== "checkout_abandoned"))
      disagreements.push(`${c.key}: a declined card got ${c.answers.map((a) => a.status).join(", ")}`);
  }
  expect(disagreements).toEqual([]);

  const total = Object.values(books.checkouts).reduce((a, b) => a + b, 0);
  const heard: Record<string, number> = {};
  for (const a of customers.flatMap((c) => c.answers)) {
    const what = `${a.status}${a.body?.error ? ` ${a.body.error}` : ""}`;
    heard[what] = (heard[what] ?? 0) + 1;
  }
  expect(total).toBe(CHECKOUTS);
  // The faults and the kill really happened, and the recovery workers report nothing waiting.
  const metrics = await (await fetch(`${shop.metricsUrl(second)}/metrics`)).text();
  expect(metrics).toMatch(/^meshpilot_checkouts_awaiting_recovery\{[^}]*\} 0$/m);
  const injected = await (await fetch(`${shop.metricsUrl(shop.urls.payments)}/metrics`)).text();
  expect(injected).toMatch(/^meshpilot_injected_faults_total\{[^}]*kind="error"[^}]*\} [1-9]/m);
  console.log(
    `money chaos: ${total} checkouts reconciled (${JSON.stringify(books.checkouts)}), ` +
      `${books.capturedCharges} captured charges against ${books.placedOrders} placed orders, ` +
      `clients heard ${JSON.stringify(heard)}, ` +
      `${books.violations.length + disagreements.length} violations`,
  );
});
