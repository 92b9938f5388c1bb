/**
 * Fuzzing every route of every shop service over real HTTP, with the stores up: malformed path
 * parameters, query strings, headers and bodies (truncated JSON, strings where numbers go,
 * Infinity, NUL bytes, huge values, wrong media types). Bad input must get a 4xx with a JSON or
 * HTML reason, never a 5xx, never a hang past the request timeout, and never internals: no stack
 * traces, hosts and ports, driver or SQL text.
 */
import { jest } from "@jest/globals";
import fc from "fast-check";
import { type InProcessShop, startInProcessShop, untilReady } from "./local/in-process.js";

jest.setTimeout(180_000);

const REQUEST_TIMEOUT_MS = 2_000;
/** Randomly broken requests per route, beyond the systematic ones. */
const RUNS = 40;
let shop: InProcessShop;
beforeAll(async () => {
  const everywhere = {
    REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
    SESSION_SECRET: "fuzz-secret-fuzz-secret-fuzz-secret",
  };
  shop = await startInProcessShop(
    Object.fromEntries(
      ["frontend", "catalog", "cart", "checkout", "payments", "orders", "recommendation"].map((s) => [
        s,
        everywhere,
      ]),
    ),
  );
  await untilReady(shop.urls);
}, 120_000);
afterAll(async () => shop?.stop(), 60_000);

/** What an answer must never carry. */
const INTERNALS = [
  /\n\s+at .+\(.+:\d+:\d+\)/, // a stack frame
  /127\.0\.0\.1:\d+|localhost:\d+/,
  /ECONNREFUSED|ETIMEDOUT|ECONNRESET|EPIPE/,
  /syntax error at|violates .* constraint|invalid input syntax|relation ".*"|column ".*"/i,
  /node_modules|\.ts:\d+/,
];

/** Text that has broken services before: numbers that are not, NULs, injections, the huge. */
const NASTY_TEXT = [
  "",
  " ",
  "1e309",
  "-Infinity",
  "NaN",
  "null",
  "undefined",
  "0x10",
  "-1",
  "99999999999999999999",
  "\u0000",
  "a\u0000b",
  "%00",
  "../../etc/passwd",
  "' OR 1=1 --",
  "<script>alert(1)</script>",
  "pay_00000000-0000-0000-0000-000000000000",
  "6f1c2b9e-8a51-4f4e-9a55-3f2f0d7f1a11",
  "cof-001",
  "x".repeat(5_000),
  "😀",
];
/** JSON values of the wrong kind or out of range. */
const NASTY_VALUES: readonly unknown[] = [
  0,
  -1,
  1.5,
  1e308,
  -1e308,
  2 ** 53,
  2 ** 31,
  true,
  false,
  null,
  [],
  {},
  [1],
  { a: 1 },
];
const RAW_BODIES = ['{"userId":', "{not json", "[1,2", '{"a":1}}', "\u0000", "a=1&b=2"];

const nasty = fc.oneof(
  fc.constantFrom(...NASTY_TEXT),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: "binary", maxLength: 20 }),
);
const jsonValue = fc.oneof(
  nasty,
  fc.constantFrom(...NASTY_VALUES),
  fc.integer(),
  fc.double(),
  fc.dictionary(fc.string({ maxLength: 8 }), nasty, { maxKeys: 3 }),
  fc.array(nasty, { maxLength: 3 }),
);
const raw = fc.constantFrom(...RAW_BODIES);

interface Request {
  readonly path: string;
  readonly query: Record<string, string>;
  readonly headers: Record<string, string>;
  readonly body?: string;
}

/** A valid request for a route, which the fuzzer then breaks in one place at a time. */
interface Example {
  readonly params?: Record<string, string>;
  readonly query?: Record<string, string>;
  readonly headers?: Record<string, string>;
  readonly body?: unknown;
  readonly form?: boolean;
}

const SESSION = { "x-session-id": "fuzz-session-0000000001" };
const KEYED = { ...SESSION, "idempotency-key": "fuzz-key-00000001" };
const CARD = { number: "4242424242424242", expMonth: 12, expYear: 2030, cvv: "123" };
const PAY = "pay_00000000-0000-0000-0000-000000000000";

/** One valid request per route of each service; a route without one fails the test. */
const EXAMPLES: Record<string, Record<string, Example>> = {
  catalog: {
    "GET /products": { query: { limit: "10", category: "coffee", q: "mug" } },
    "GET /products/:id": { params: { id: "cof-001" } },
    "GET /categories": {},
    "POST /prices": { body: { ids: ["cof-001", "tea-001"] } },
  },
  cart: {
    "GET /cart": { headers: SESSION },
    "POST /cart/items": { headers: SESSION, body: { productId: "cof-001", quantity: 2 } },
    "PUT /cart/items/:productId": {
      headers: SESSION,
      params: { productId: "cof-001" },
      body: { quantity: 3 },
    },
    "DELETE /cart/items/:productId": { headers: SESSION, params: { productId: "cof-001" } },
    "DELETE /cart": { headers: SESSION },
  },
  recommendation: { "GET /recommendations": { query: { productId: "cof-001", exclude: "tea-001" } } },
  payments: {
    "POST /payments": {
      headers: KEYED,
      body: { amountCents: 1200, currency: "EUR", orderRef: "fuzz-order", card: CARD },
    },
    "GET /payments/:id": { params: { id: PAY } },
    "GET /payments": { query: { orderRef: "fuzz-order" } },
    "POST /payments/:id/void": { headers: KEYED, params: { id: PAY }, body: {} },
    "POST /payments/:id/refund": { headers: KEYED, params: { id: PAY }, body: { amountCents: 100 } },
    "POST /payments/cancel": { body: { idempotencyKey: "fuzz-key-00000002" } },
  },
  orders: {
    "POST /orders": {
      headers: KEYED,
      body: {
        userId: "fuzz-user",
        paymentId: PAY,
        currency: "EUR",
        items: [{ productId: "cof-001", quantity: 1, unitPriceCents: 1200 }],
      },
    },
    "POST /orders/abandon": { body: { idempotencyKey: "fuzz-key-00000003" } },
    "GET /orders/:id": { params: { id: "6f1c2b9e-8a51-4f4e-9a55-3f2f0d7f1a11" } },
    "GET /orders": { query: { userId: "fuzz-user", limit: "5" } },
  },
  checkout: {
    "POST /checkout": { headers: KEYED, body: { userId: "fuzz-user", card: CARD } },
    "GET /checkout/status": { headers: KEYED },
  },
  frontend: {
    "GET /static/shop.css": {},
    "GET /": { query: { q: "mug", category: "coffee" } },
    "GET /products/:productId": { params: { productId: "cof-001" } },
    "GET /cart": { headers: SESSION },
    "POST /cart/items": { headers: SESSION, form: true, body: { productId: "cof-001", quantity: "1" } },
    "POST /cart/items/:productId": {
      headers: SESSION,
      form: true,
      params: { productId: "cof-001" },
      body: { quantity: "2" },
    },
    "POST /cart/items/:productId/remove": {
      headers: SESSION,
      form: true,
      params: { productId: "cof-001" },
      body: {},
    },
    "GET /checkout": { headers: SESSION },
    "POST /checkout": {
      headers: SESSION,
      form: true,
      body: {
        idempotencyKey: "6f1c2b9e-8a51-4f4e-9a55-3f2f0d7f1a12",
        number: CARD.number,
        expMonth: "12",
        expYear: "2030",
        cvv: "123",
      },
    },
    "GET /checkout/status": { headers: SESSION, query: { key: "6f1c2b9e-8a51-4f4e-9a55-3f2f0d7f1a12" } },
    "GET /api/session": {},
    "GET /api/products": { query: { q: "mug" } },
    "GET /api/products/:productId": { params: { productId: "cof-001" } },
    "GET /api/cart": { headers: SESSION },
    "POST /api/cart/items": { headers: SESSION, body: { productId: "cof-001", quantity: 1 } },
    "PUT /api/cart/items/:productId": {
      headers: SESSION,
      params: { productId: "cof-001" },
      body: { quantity: 2 },
    },
    "DELETE /api/cart/items/:productId": { headers: SESSION, params: { productId: "cof-001" } },
    "POST /api/checkout": { headers: KEYED, body: { card: CARD } },
  },
};

/** Every place of an example the fuzzer can break: a parameter, a query value, a header, a body leaf. */
type Slot = readonly ["params" | "query" | "headers", string] | readonly ["body", ...(string | number)[]];
function slots(e: Example): Slot[] {
  const out: Slot[] = [];
  for (const part of ["params", "query", "headers"] as const)
    for (const k of Object.keys(e[part] ?? {})) out.push([part, k]);
  const walk = (v: unknown, path: (string | number)[]) => {
    out.push(["body", ...path]);
    if (v && typeof v === "object")
      for (const [k, x] of Object.entries(v)) walk(x, [...path, Array.isArray(v) ? Number(k) : k]);
  };
  if (e.body !== undefined) walk(e.body, []);
  return out;
}

function setAt(root: unknown, path: readonly (string | number)[], value: unknown): unknown {
  if (path.length === 0) return value;
  const copy: any = Array.isArray(root) ? [...root] : { ...(root as object) };
  copy[path[0]] = setAt(copy[path[0]], path.slice(1), value);
  return copy;
}

interface Break {
  readonly slot: number;
  readonly value: unknown;
  readonly text: string;
  readonly rawBody: string;
  readonly extra: string;
}

/**
 * The example broken in one place: a nasty value in slot `slot`, or (the two slots past the last)
 * an unknown query field or a raw body.
 */
function brokenAt(route: string, e: Example, { slot, value, text, rawBody, extra }: Break): Request {
  const [, url] = route.split(" ");
  const all = slots(e);
  let { params = {}, query = {}, headers = {}, body } = e;
  let rawText: string | undefined;
  const target = all[slot];
  if (slot === all.length) query = { ...query, [`x${extra.length}`]: extra };
  else if (slot === all.length + 1) rawText = rawBody;
  else if (target[0] === "body") body = setAt(body, target.slice(1) as (string | number)[], value);
  else if (target[0] === "params") params = { ...params, [target[1]]: text };
  else if (target[0] === "query") query = { ...query, [target[1]]: text };
  else headers = { ...headers, [target[1]]: text };
  let path = url;
  for (const [k, v] of Object.entries(params)) path = path.replace(`:${k}`, encodeURIComponent(v) || "%20");
  // A header carries only Latin-1 without control characters; anything else never reaches a server.
  const header = (v: string) => v.replace(/[^\x20-\x7e\xa0-\xff]/g, "?").trim() || "?";
  const sent: Record<string, string> = Object.fromEntries(
    Object.entries(headers).map(([k, v]) => [k, header(v)]),
  );
  let text2: string | undefined = rawText;
  if (text2 === undefined && body !== undefined) {
    const fields = body !== null && typeof body === "object" && !Array.isArray(body);
    text2 = !e.form
      ? JSON.stringify(body)
      : fields
        ? new URLSearchParams(
            Object.entries(body as Record<string, unknown>).map(
              ([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)] as [string, string],
            ),
          ).toString()
        : String(body);
  }
  if (text2 !== undefined)
    sent["content-type"] = e.form ? "application/x-www-form-urlencoded" : "application/json";
  return { path, query, headers: sent, body: text2 };
}

function broken(route: string, e: Example): fc.Arbitrary<Request> {
  const all = slots(e);
  return fc
    .record({
      slot: fc.nat({ max: all.length + 1 }),
      value: jsonValue,
      text: nasty,
      rawBody: raw,
      extra: nasty,
    })
    .map((b) => brokenAt(route, e, b));
}

/** Every slot with every nasty constant, and every raw body: the systematic half of the fuzz. */
function everyBreak(route: string, e: Example): Request[] {
  const all = slots(e);
  const out: Request[] = [];
  const plain = { value: null, text: "", rawBody: "", extra: "" };
  all.forEach((slot, i) => {
    const values = slot[0] === "body" ? [...NASTY_VALUES, ...NASTY_TEXT] : NASTY_TEXT;
    for (const v of values) out.push(brokenAt(route, e, { ...plain, slot: i, value: v, text: String(v) }));
  });
  for (const t of NASTY_TEXT) out.push(brokenAt(route, e, { ...plain, slot: all.length, extra: t }));
  for (const r of RAW_BODIES) out.push(brokenAt(route, e, { ...plain, slot: all.length + 1, rawBody: r }));
  return out;
}

async function send(base: string, method: string, r: Request) {
  const qs = new URLSearchParams(r.query).toString();
  const res = await fetch(`${base}${r.path}${qs ? `?${qs}` : ""}`, {
    method,
    headers: r.headers,
    body: method === "GET" ? undefined : r.body,
    redirect: "manual",
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS + 3_000),
  });
  return { status: res.status, text: await res.text() };
}

const SERVICES = ["catalog", "cart", "orders", "payments", "recommendation", "checkout", "frontend"];

it.each(SERVICES)(
  "%s answers bad input on every route with a 4xx and a reason, and no internals",
  async (name) => {
    const service = shop.services[name];
    const base = shop.urls[name];
    const routes = service.routes
      .filter((r) => !["/healthz", "/readyz", "/metrics"].includes(r.url))
      .map((r) => `${r.method} ${r.url}`);
    expect(routes.filter((r) => !EXAMPLES[name][r])).toEqual([]);
    const failures: string[] = [];
    let sent = 0;
    const check = async (route: string, r: Request) => {
      sent++;
      const { status, text } = await send(base, route.split(" ")[0], r);
      const what = `${route} as ${JSON.stringify(r).slice(0, 300)}`;
      if (status >= 500) failures.push(`${what}: ${status} ${text.slice(0, 300)}`);
      for (const pattern of INTERNALS)
        if (pattern.test(text)) failures.push(`${what}: the answer shows ${pattern}: ${text.slice(0, 300)}`);
      if (status >= 400 && text.length === 0) failures.push(`${what}: ${status} without a reason`);
    };
    let systematic = 0;
    for (const route of routes) {
      const example = EXAMPLES[name][route];
      for (const r of everyBreak(route, example)) {
        systematic++;
        await check(route, r);
      }
      await fc.assert(
        fc.asyncProperty(broken(route, example), (r) => check(route, r)),
        { seed: 20261202, numRuns: RUNS },
      );
    }
    expect(failures).toEqual([]);
    expect(sent).toBe(systematic + routes.length * RUNS);
  },
);
