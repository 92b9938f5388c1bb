import { jest } from "@jest/globals";
import { freePort } from "../../common/free-port.js";
import { type InProcessShop, startInProcessShop, untilReady } from "../local/in-process.js";
import { TEST_CARDS } from "../payments/card.js";

// These tests start real servers (PostgreSQL, Redis, the shop): on a loaded 2-core machine that
// takes seconds, so every test and hook gets a bounded minute rather than Jest's 5 s.
jest.setTimeout(60_000);

let shop: InProcessShop;
beforeAll(async () => {
  shop = await startInProcessShop();
  await untilReady(shop.urls);
});
afterAll(async () => shop.stop());

/** A browser: keeps the session cookie, follows nothing by itself. */
function browser(base = () => shop.urls.frontend) {
  let cookie = "";
  const go = async (path: string, init: RequestInit = {}) => {
    const res = await fetch(`${base()}${path}`, {
      redirect: "manual",
      ...init,
      headers: { ...(cookie ? { cookie } : {}), ...(init.headers as object) },
    });
    const set = res.headers.get("set-cookie");
    if (set) cookie = set.split(";")[0];
    return { status: res.status, headers: res.headers, text: await res.text() };
  };
  // A browser names the page a form was sent from; the shop refuses forms from other sites.
  const form = (path: string, fields: Record<string, string | number>) =>
    go(path, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: base() },
      body: new URLSearchParams(
        Object.entries(fields).map(([k, v]): [string, string] => [k, String(v)]),
      ).toString(),
    });
  const api = async (path: string, method = "GET", body?: unknown, headers: Record<string, string> = {}) => {
    const res = await go(path, {
      method,
      headers: body === undefined ? headers : { "content-type": "application/json", ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { ...res, json: res.text ? JSON.parse(res.text) : undefined };
  };
  return { go, form, api, cookie: () => cookie };
}

const card = (number: string = TEST_CARDS.approved) => ({ number, expMonth: 12, expYear: 2030, cvv: "123" });

describe("frontend pages", () => {
  it("serves the home page with a secure session cookie and security headers", async () => {
    const b = browser();
    const res = await b.go("/");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    expect(res.headers.get("set-cookie")).toMatch(
      /^sid=[A-Za-z0-9_-]{32}\.[A-Za-z0-9%+/]+; Max-Age=604800; Path=\/; HttpOnly; SameSite=Lax$/,
    );
    expect(res.headers.get("content-security-policy")).toContain("default-src 'self'");
    expect(res.text).toContain("Highland Sunrise");
    expect(res.text).toContain('href="/?category=tea"');
  });

  it("searches and filters, escaping what the visitor typed", async () => {
    const b = browser();
    const tea = await b.go("/?category=tea");
    expect(tea.text).not.toContain("Highland Sunrise");
    const search = await b.go(`/?q=${encodeURIComponent("<script>alert(1)</script>")}`);
    expect(search.status).toBe(200);
    expect(search.text).not.toContain("<script>alert(1)</script>");
    expect(search.text).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(search.text).toContain("No products match.");
  });

  it("buys through the HTML forms: add, update, remove, checkout, confirmation; a resubmitted form orders once", async () => {
    const b = browser();
    await b.go("/");
    const product = await b.go("/products/cof-001");
    expect(product.text).toContain('<form action="/cart/items" method="post">');
    expect(product.text).toContain("You may also like");
    const added = await b.form("/cart/items", { productId: "cof-001", quantity: 2 });
    expect(added.status).toBe(303);
    expect(added.headers.get("location")).toBe("/cart");
    await b.form("/cart/items", { productId: "tea-001", quantity: 1 });
    await b.form("/cart/items/cof-001", { quantity: 3 });
    await b.form("/cart/items/tea-001/remove", {});
    const cart = await b.go("/cart");
    expect(cart.text).toContain("Highland Sunrise");
    expect(cart.text).toContain('value="3"');
    expect(cart.text).toContain("Total: €43.50");

    const checkout = await b.go("/checkout");
    const key = checkout.text.match(/name="idempotencyKey" value="([0-9a-f-]{36})"/)?.[1] as string;
    expect(key).toBeDefined();
    const fields = { idempotencyKey: key, ...card() };
    const done = await b.form("/checkout", fields);
    expect(done.status).toBe(201);
    const orderId = done.text.match(/class="order-id">([0-9a-f-]{36})</)?.[1];
    expect(orderId).toBeDefined();
    expect(done.text).toContain("3 × Highland Sunrise");
    expect(done.text).toContain("card ending 4242");
    const again = await b.form("/checkout", fields);
    expect(again.text).toContain(orderId as string);
    expect((await b.go("/cart")).text).toContain("Your cart is empty");
  });

  it("shows a declined card on the checkout page and keeps the cart", async () => {
    const b = browser();
    await b.go("/");
    await b.form("/cart/items", { productId: "cup-001", quantity: 1 });
    const checkout = await b.go("/checkout");
    const key = checkout.text.match(/name="idempotencyKey" value="([0-9a-f-]{36})"/)?.[1] as string;
    const declined = await b.form("/checkout", { idempotencyKey: key, ...card(TEST_CARDS.declined) });
    expect(declined.status).toBe(402);
    expect(declined.text).toContain("the card was declined by the issuer");
    expect((await b.go("/cart")).text).toContain("Total: ");
  });

  it("renders bad input as an HTML error page with a 4xx", async () => {
    const b = browser();
    const unknown = await b.go("/products/zzz-999");
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get("content-type")).toMatch(/^text\/html/);
    expect(unknown.text).toContain("no product &#39;zzz-999&#39;");
    const noSession = await browser().form("/cart/items", { productId: "cof-001", quantity: 1 });
    expect(noSession.status).toBe(400);
    expect(noSession.text).toContain("no valid session");
    await b.go("/");
    expect((await b.form("/cart/items", { productId: "cof-001", quantity: 0 })).status).toBe(400);
  });

  it("renders product pages without recommendations when that service is too slow", async () => {
    const slow = await shop.extra("recommendation", { FAULT_LATENCY_MS: "2000" });
    const frontend = await shop.extra("frontend", {
      RECOMMENDATION_URL: slow.url,
      UPSTREAM_TIMEOUT_MS: "50",
      UPSTREAM_RETRIES: "1",
    });
    const b = browser(() => frontend.url);
    const page = await b.go("/products/cof-001");
    expect(page.status).toBe(200);
    expect(page.text).toContain("Highland Sunrise");
    expect(page.text).not.toContain("You may also like");
  });
});

describe("frontend JSON API", () => {
  it("runs the same journey: session, browse, add, change, checkout", async () => {
    const b = browser();
    const { json: session } = await b.api("/api/session");
    expect(session.sessionId).toMatch(/^[A-Za-z0-9_-]{32}$/);
    const list = await b.api("/api/products?category=coffee");
    expect(list.json.items.every((p: { category: string }) => p.category === "coffee")).toBe(true);
    const one = await b.api("/api/products/cof-002");
    expect(one.json.product.id).toBe("cof-002");
    expect(one.json.recommendations.length).toBeGreaterThan(0);
    await b.api("/api/cart/items", "POST", { productId: "cof-002", quantity: 1 });
    const changed = await b.api("/api/cart/items/cof-002", "PUT", { quantity: 4 });
    expect(changed.json.items).toEqual([expect.objectContaining({ productId: "cof-002", quantity: 4 })]);
    expect(changed.json.totalCents).toBe(4 * changed.json.items[0].unitPriceCents);
    const paid = await b.api(
      "/api/checkout",
      "POST",
      { card: card() },
      { "idempotency-key": "api-journey-0001" },
    );
    expect(paid.status).toBe(201);
    expect(paid.json.order.totalCents).toBe(changed.json.totalCents);
    expect((await b.api("/api/cart")).json.items).toEqual([]);
  });

  it.each([
    ["an unknown product", { productId: "zzz-999", quantity: 1 }, 404, "unknown_product"],
    ["a zero quantity", { productId: "cof-001", quantity: 0 }, 400, "invalid_request"],
    ["a negative quantity", { productId: "cof-001", quantity: -1 }, 400, "invalid_request"],
    ["a huge quantity", { productId: "cof-001", quantity: 1e9 }, 400, "invalid_request"],
    ["an unknown field", { productId: "cof-001", quantity: 1, priceCents: 1 }, 400, "invalid_request"],
  ])("refuses %s with a JSON 4xx and leaves the cart as it was", async (_what, body, status, error) => {
    const b = browser();
    await b.api("/api/session");
    const res = await b.api("/api/cart/items", "POST", body);
    expect(res.status).toBe(status);
    expect(res.json.error).toBe(error);
    expect((await b.api("/api/cart")).json.items).toEqual([]);
  });

  it("refuses malformed JSON, oversized bodies, a missing session and a declined card", async () => {
    const b = browser();
    const noSession = await b.api("/api/cart");
    expect(noSession.status).toBe(400);
    expect(noSession.json.error).toBe("missing_session");
    await b.api("/api/session");
    const malformed = await b.go("/api/cart/items", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"productId":',
    });
    expect(malformed.status).toBe(400);
    expect(JSON.parse(malformed.text).error).toBe("malformed_json");
    const oversized = await b.api("/api/cart/items", "POST", {
      productId: "cof-001",
      quantity: 1,
      pad: "x".repeat(100_000),
    });
    expect(oversized.status).toBe(413);
    await b.api("/api/cart/items", "POST", { productId: "cof-001", quantity: 1 });
    const declined = await b.api(
      "/api/checkout",
      "POST",
      { card: card(TEST_CARDS.insufficientFunds) },
      { "idempotency-key": "api-declined-01" },
    );
    expect(declined.status).toBe(402);
    expect(declined.json.error).toBe("insufficient_funds");
    expect((await b.api("/api/cart")).json.items).toHaveLength(1);
  });
});

describe("frontend defences", () => {
  it("refuses a session id the client made up, and issues its own instead", async () => {
    const chosen = "attacker-chosen-session-0001";
    const page = await fetch(`${shop.urls.frontend}/`, { headers: { cookie: `sid=${chosen}` } });
    expect(page.status).toBe(200);
    const issued = page.headers.get("set-cookie") ?? "";
    expect(issued).toMatch(/^sid=[A-Za-z0-9_-]{32}\./);
    expect(issued).not.toContain(chosen);
    const write = await fetch(`${shop.urls.frontend}/api/cart/items`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-session-id": chosen },
      body: JSON.stringify({ productId: "cof-001", quantity: 1 }),
    });
    expect([write.status, ((await write.json()) as any).error]).toEqual([400, "missing_session"]);
    // A real token works in the header as well as in the cookie.
    const { token } = (await (await fetch(`${shop.urls.frontend}/api/session`)).json()) as any;
    const ok = await fetch(`${shop.urls.frontend}/api/cart`, { headers: { "x-session-id": token } });
    expect(ok.status).toBe(200);
  });

  it("refuses a form posted from another site, and an API write that is not JSON", async () => {
    const b = browser();
    await b.go("/");
    for (const origin of ["https://evil.example", "null"]) {
      const forged = await b.go("/cart/items", {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", origin },
        body: "productId=cof-001&quantity=5",
      });
      expect(forged.status).toBe(403);
      expect(forged.text).toContain("must be sent from the shop&#39;s own pages");
    }
    const noOrigin = await b.go("/cart/items", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "productId=cof-001&quantity=5",
    });
    expect(noOrigin.status).toBe(403);
    const formToApi = await b.go("/api/cart/items", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: "https://evil.example" },
      body: "productId=cof-001&quantity=5",
    });
    expect(formToApi.status).toBe(415);
    expect((await b.api("/api/cart")).json.items).toEqual([]);
  });

  it("keeps browsing when the cart's Redis is down, and says checkout cannot proceed", async () => {
    // A cart whose Redis is gone (a port nothing listens on), and a frontend that uses it.
    const deadRedis = String(await freePort());
    const cart = await shop.extra("cart", { REDIS_PORT: deadRedis }, { ready: false });
    const frontend = await shop.extra("frontend", { CART_URL: cart.url, UPSTREAM_RETRIES: "0" });
    const b = browser(() => frontend.url);
    const home = await b.go("/");
    expect(home.status).toBe(200);
    expect(home.text).toContain("Cart (unavailable)");
    expect(home.text).toContain("Highland Sunrise");
    const product = await b.go("/products/cof-001");
    expect(product.status).toBe(200);
    expect(product.text).toContain("Cart (unavailable)");
    for (const path of ["/cart", "/checkout"]) {
      const page = await b.go(path);
      expect(page.status).toBe(503);
      expect(page.text).toContain("Your cart is unavailable right now, so checkout cannot proceed");
    }
    const api = await b.api("/api/cart");
    expect([api.status, api.json.error]).toEqual([503, "cart_unavailable"]);
  });
});
