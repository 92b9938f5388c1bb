import { createHash, randomBytes, randomUUID } from "node:crypto";
import cookie from "@fastify/cookie";
import formbody from "@fastify/formbody";
import type { FastifyReply, FastifyRequest } from "fastify";
import {
  COMMON_SETTINGS,
  calleeUrl,
  type loadSettings,
  setting,
  UPSTREAM_SETTINGS,
} from "../../common/settings.js";
import { servicePort } from "../../config/shop.js";
import type { Product } from "../catalog/products.js";
import { clientFor, type ErrorBody, passOn } from "../lib/client.js";
import { CARD, type Card, PRODUCT_ID, QUANTITY } from "../lib/schemas.js";
import { createService, HttpError, propagatedHeaders, type Service } from "../lib/server.js";
import { SESSION_HEADER, SESSION_ID } from "../lib/session.js";
import { formBody } from "../lib/validation.js";
import {
  type CartLineView,
  type Confirmation,
  cartPage,
  checkoutPage,
  confirmationPage,
  errorPage,
  homePage,
  processingPage,
  productPage,
  STYLESHEET,
} from "./pages.js";

export const FRONTEND_SETTINGS = {
  ...COMMON_SETTINGS,
  ...UPSTREAM_SETTINGS,
  PORT: setting.port(servicePort("frontend")),
  CATALOG_URL: calleeUrl("catalog"),
  CART_URL: calleeUrl("cart"),
  RECOMMENDATION_URL: calleeUrl("recommendation"),
  CHECKOUT_URL: calleeUrl("checkout"),
  /** How long a checkout call may take: longer than checkout waits for a sibling copy (its CHECKOUT_WAIT_MS). */
  CHECKOUT_TIMEOUT_MS: setting.integer(8_000, 100, 60_000),
  /** Signs the session cookie, so that only ids this frontend issued are accepted (from a Kubernetes Secret). */
  SESSION_SECRET: setting.secret(32),
  /** The session cookie is Secure unless this says otherwise (plain-HTTP development only). */
  COOKIE_SECURE: setting.oneOf(["true", "false"] as const, "true"),
};
export type FrontendSettings = ReturnType<typeof loadSettings<typeof FRONTEND_SETTINGS>>;

export const SESSION_COOKIE = "sid";

/** Orders are filed under a user id derived from the session, so the session token is never stored. */
export function userIdOf(session: string): string {
  return `u-${createHash("sha256").update(session).digest("hex").slice(0, 24)}`;
}

const isApi = (request: FastifyRequest) => request.url.startsWith("/api/");

/** The request's Origin (or its Referer's origin) names the host it was sent to. */
function sameOrigin(request: FastifyRequest): boolean {
  const from = request.headers.origin ?? request.headers.referer;
  if (typeof from !== "string" || from === "null") return false;
  try {
    return new URL(from).host === request.headers.host;
  } catch {
    return false;
  }
}

const CART_UNAVAILABLE =
  "Your cart is unavailable right now, so checkout cannot proceed; browsing the shop still works. Please try again in a minute.";

/**
 * Frontend: server-rendered pages (home, product, cart, checkout, confirmation) and a JSON API
 * under /api for the same actions. Sessions live in an HttpOnly cookie (or the x-session-id
 * header for API clients). Recommendations are optional: if that service is slow or down, pages
 * render without them.
 */
export function buildFrontend(settings: FrontendSettings): Service {
  const service = createService({
    name: "frontend",
    settings,
    errorPage: (request, status, body) => (isApi(request) ? undefined : errorPage(status, body.message)),
  });
  const { app } = service;
  app.register(cookie, { secret: settings.SESSION_SECRET });
  app.register(formbody);
  app.addHook("onSend", async (_request, reply, payload) => {
    reply.header("x-content-type-options", "nosniff");
    reply.header("referrer-policy", "same-origin");
    if (String(reply.getHeader("content-type") ?? "").startsWith("text/html"))
      reply.header(
        "content-security-policy",
        "default-src 'self'; form-action 'self'; frame-ancestors 'none'",
      );
    return payload;
  });

  // Cross-site request forgery: an HTML form may only be posted from this shop's own pages (the
  // browser's Origin, or failing that its Referer, names this host); a JSON API write must say
  // application/json, which no cross-site form can send without a CORS preflight this shop never
  // grants. SameSite=Lax on the cookie is a second line, not the only one.
  app.addHook("onRequest", async (request) => {
    if (request.method === "GET" || request.method === "HEAD") return;
    if (isApi(request)) {
      const type = String(request.headers["content-type"] ?? "");
      if (request.headers["content-length"] !== undefined && !type.startsWith("application/json"))
        throw new HttpError(415, "unsupported_media_type", "send application/json");
      return;
    }
    if (!sameOrigin(request))
      throw new HttpError(
        403,
        "cross_site_request",
        "this form must be sent from the shop's own pages (the Origin or Referer header must name this site)",
      );
  });

  const catalog = clientFor("catalog", settings.CATALOG_URL, settings);
  const cart = clientFor("cart", settings.CART_URL, settings);
  const recommendation = clientFor("recommendation", settings.RECOMMENDATION_URL, settings);
  const checkout = clientFor("checkout", settings.CHECKOUT_URL, settings);

  /**
   * The request's session: an id this frontend issued, signed, from the cookie (or, for API
   * clients, the x-session-id header carrying the same token). A browser's first visit gets one;
   * an id the client made up fails the signature and is never used; an API write without a valid
   * one is refused.
   */
  const session = (request: FastifyRequest, reply: FastifyReply, create: boolean): string => {
    const given = request.cookies[SESSION_COOKIE] ?? request.headers[SESSION_HEADER];
    if (typeof given === "string") {
      const { valid, value } = request.unsignCookie(given);
      if (valid && value && SESSION_ID.test(value)) return value;
    }
    if (!create)
      throw new HttpError(
        400,
        "missing_session",
        `no valid session: send the ${SESSION_COOKIE} cookie or the ${SESSION_HEADER} header this shop issued (GET /api/session starts one)`,
      );
    const id = randomBytes(24).toString("base64url");
    reply.setCookie(SESSION_COOKIE, id, {
      path: "/",
      httpOnly: true,
      sameSite: "lax",
      secure: settings.COOKIE_SECURE === "true",
      maxAge: 7 * 24 * 3600,
      signed: true,
    });
    return id;
  };
  const headersFor = (request: FastifyRequest, sid: string) => ({
    ...propagatedHeaders(request),
    [SESSION_HEADER]: sid,
  });

  const listProducts = async (request: FastifyRequest, query: string) => {
    const res = await catalog.call<{ items: Product[] }>(`/products?limit=100${query}`, {
      headers: propagatedHeaders(request),
    });
    if (res.status !== 200) throw passOn("catalog", res.status, res.body);
    return res.body.items;
  };
  const product = async (request: FastifyRequest, id: string) => {
    const res = await catalog.call<Product>(`/products/${encodeURIComponent(id)}`, {
      headers: propagatedHeaders(request),
    });
    if (res.status !== 200) throw passOn("catalog", res.status, res.body);
    return res.body;
  };
  /** The cart's items, or undefined when the cart cannot be read (down, or no answer). */
  const readCart = async (request: FastifyRequest, sid: string) => {
    const res = await cart
      .call<{ items: { productId: string; quantity: number }[] }>("/cart", {
        headers: headersFor(request, sid),
      })
      .catch((e: Error) => e);
    if (res instanceof Error || res.status >= 500) {
      request.log.warn({ err: res instanceof Error ? res : undefined }, "cart unavailable");
      return undefined;
    }
    if (res.status !== 200) throw passOn("cart", res.status, res.body);
    return res.body.items;
  };
  /** The cart's lines; a cart that cannot be read is a 503 that says browsing still works. */
  const cartLines = async (request: FastifyRequest, sid: string) => {
    const [items, products] = await Promise.all([readCart(request, sid), listProducts(request, "")]);
    if (!items) throw new HttpError(503, "cart_unavailable", CART_UNAVAILABLE);
    const byId = new Map(products.map((p) => [p.id, p]));
    const lines: CartLineView[] = items.flatMap((l) => {
      const p = byId.get(l.productId);
      return p ? [{ product: p, quantity: l.quantity }] : [];
    });
    const totalCents = lines.reduce((sum, l) => sum + l.quantity * l.product.priceCents, 0);
    // The whole catalog comes along, so a page that also needs it does not ask twice.
    return { lines, totalCents, products };
  };
  /**
   * How many items the cart holds and which products (for recommendations to leave out), or a
   * null count when the cart cannot be read: a page is never lost to the cart.
   */
  const cartSummary = async (
    request: FastifyRequest,
    sid: string,
  ): Promise<{ count: number | null; exclude: string }> => {
    const items = await readCart(request, sid).catch((e: Error) => {
      request.log.warn({ err: e }, "cart refused; the page says it is unavailable");
      return undefined;
    });
    if (!items) return { count: null, exclude: "" };
    return {
      count: items.reduce((n, l) => n + l.quantity, 0),
      exclude: exclusion(items.map((l) => l.productId)),
    };
  };
  /** Recommendations, or none: they are a nicety, never a reason to fail a page. */
  const recommended = async (request: FastifyRequest, query: string): Promise<Product[] | undefined> => {
    try {
      const res = await recommendation.call<{ items: Product[] }>(`/recommendations?${query}`, {
        headers: propagatedHeaders(request),
      });
      if (res.status === 200) return res.body.items;
      request.log.warn({ status: res.status }, "recommendations unavailable");
    } catch (e) {
      request.log.warn({ err: e }, "recommendations unavailable");
    }
    return undefined;
  };
  const exclusion = (productIds: readonly string[]) =>
    productIds.length > 0 ? `exclude=${productIds.join(",")}` : "";

  const addToCart = async (request: FastifyRequest, sid: string, productId: string, quantity: number) => {
    await product(request, productId); // an unknown product is a 404 here, before the cart sees it
    const res = await cart.call("/cart/items", {
      method: "POST",
      headers: headersFor(request, sid),
      body: { productId, quantity },
    });
    if (res.status !== 200) throw passOn("cart", res.status, res.body);
  };
  const setQuantity = async (request: FastifyRequest, sid: string, productId: string, quantity: number) => {
    const res = await cart.call(`/cart/items/${productId}`, {
      method: "PUT",
      headers: headersFor(request, sid),
      body: { quantity },
    });
    if (res.status !== 200) throw passOn("cart", res.status, res.body);
  };
  const removeLine = async (request: FastifyRequest, sid: string, productId: string) => {
    const res = await cart.call(`/cart/items/${productId}`, {
      method: "DELETE",
      headers: headersFor(request, sid),
    });
    if (res.status !== 200) throw passOn("cart", res.status, res.body);
  };
  /**
   * Places the order; undefined while checkout is still at it (202). The call may be retried
   * with the same key (a retry joins the same checkout), and it waits longer than checkout waits
   * for a sibling, so that a slow checkout is not mistaken for a failed one.
   */
  const placeOrder = async (request: FastifyRequest, sid: string, key: string, card: Card) => {
    const res = await checkout.call<Confirmation>("/checkout", {
      method: "POST",
      headers: headersFor(request, sid),
      idempotencyKey: key,
      body: { userId: userIdOf(sid), card },
      timeoutMs: settings.CHECKOUT_TIMEOUT_MS,
    });
    if (res.status === 202) return undefined;
    if (res.status >= 500) throw checkoutDown(res.body);
    if (res.status !== 201) throw passOn("checkout", res.status, res.body);
    return res.body;
  };
  const checkoutDown = (body: unknown) =>
    new HttpError(
      503,
      "checkout_unavailable",
      `Checkout cannot proceed right now (${(body as Partial<ErrorBody> | undefined)?.message ?? "checkout did not answer"}). Please try again in a minute.`,
    );
  /** How an earlier checkout ended: its confirmation, undefined while in progress, or its error. */
  const checkoutStatus = async (request: FastifyRequest, sid: string, key: string) => {
    const res = await checkout.call<{ outcome?: { status: number; body: unknown } } & Partial<ErrorBody>>(
      "/checkout/status",
      { headers: { ...headersFor(request, sid), "idempotency-key": key } },
    );
    if (res.status !== 200) throw passOn("checkout", res.status, res.body);
    const outcome = res.body.outcome;
    if (!outcome || outcome.status === 202) return undefined;
    if (outcome.status !== 201) throw passOn("checkout", outcome.status, outcome.body);
    return outcome.body as Confirmation;
  };

  const productParams = {
    type: "object",
    required: ["productId"],
    properties: { productId: PRODUCT_ID },
  } as const;
  const listQuery = {
    type: "object",
    additionalProperties: false,
    properties: {
      q: { type: "string", maxLength: 100 },
      category: { type: "string", pattern: "^[a-z]{1,20}$" },
    },
  } as const;
  const filter = (q?: string, category?: string) =>
    `${q ? `&q=${encodeURIComponent(q)}` : ""}${category ? `&category=${category}` : ""}`;
  const html = (reply: FastifyReply, page: string, status = 200) =>
    reply.code(status).type("text/html; charset=utf-8").send(page);

  // ---- pages ----
  app.get("/static/shop.css", async (_request, reply) =>
    reply.type("text/css").header("cache-control", "public, max-age=3600").send(STYLESHEET),
  );

  app.get("/", { schema: { querystring: listQuery } }, async (request, reply) => {
    const sid = session(request, reply, true);
    const { q, category } = request.query as { q?: string; category?: string };
    // The whole catalog names the categories; without a filter it is also the page's list.
    const query = filter(q?.trim() || undefined, category);
    const whole = listProducts(request, "");
    const [products, all, mine] = await Promise.all([
      query ? listProducts(request, query) : whole,
      whole,
      cartSummary(request, sid),
    ]);
    const categories = [...new Set(all.map((p) => p.category))].sort();
    return html(
      reply,
      homePage({
        products,
        categories,
        category,
        query: q?.trim() || undefined,
        recommended: await recommended(request, mine.exclude),
        cartCount: mine.count,
      }),
    );
  });

  app.get("/products/:productId", { schema: { params: productParams } }, async (request, reply) => {
    const sid = session(request, reply, true);
    const { productId } = request.params as { productId: string };
    const [p, mine] = await Promise.all([product(request, productId), cartSummary(request, sid)]);
    return html(
      reply,
      productPage({
        product: p,
        recommended: await recommended(request, `productId=${p.id}${mine.exclude ? `&${mine.exclude}` : ""}`),
        cartCount: mine.count,
      }),
    );
  });

  app.get("/cart", async (request, reply) => {
    const sid = session(request, reply, true);
    const mine = await cartLines(request, sid);
    const recs =
      mine.lines.length > 0
        ? await recommended(request, exclusion(mine.lines.map((l) => l.product.id)))
        : undefined;
    return html(reply, cartPage({ ...mine, recommended: recs }));
  });

  const addBody = {
    type: "object",
    required: ["productId", "quantity"],
    properties: { productId: PRODUCT_ID, quantity: QUANTITY },
  } as const;
  const quantityBody = {
    type: "object",
    required: ["quantity"],
    properties: { quantity: QUANTITY },
  } as const;

  // Form posts redirect (303) back to the cart, so a reload never repeats them.
  app.post("/cart/items", { schema: { body: formBody(addBody) } }, async (request, reply) => {
    const { productId, quantity } = request.body as { productId: string; quantity: number };
    await addToCart(request, session(request, reply, false), productId, quantity);
    return reply.redirect("/cart", 303);
  });
  app.post(
    "/cart/items/:productId",
    { schema: { params: productParams, body: formBody(quantityBody) } },
    async (request, reply) => {
      const { productId } = request.params as { productId: string };
      await setQuantity(
        request,
        session(request, reply, false),
        productId,
        (request.body as { quantity: number }).quantity,
      );
      return reply.redirect("/cart", 303);
    },
  );
  app.post("/cart/items/:productId/remove", { schema: { params: productParams } }, async (request, reply) => {
    const { productId } = request.params as { productId: string };
    await removeLine(request, session(request, reply, false), productId);
    return reply.redirect("/cart", 303);
  });

  app.get("/checkout", async (request, reply) => {
    const mine = await cartLines(request, session(request, reply, true));
    if (mine.lines.length === 0) return reply.redirect("/cart", 303);
    // The key is minted with the form, so a double submit or a reload pays and orders once.
    return html(reply, checkoutPage({ ...mine, idempotencyKey: randomUUID() }));
  });

  app.post(
    "/checkout",
    {
      schema: {
        body: formBody({
          type: "object",
          required: ["idempotencyKey", ...CARD.required],
          properties: { idempotencyKey: { type: "string", format: "uuid" }, ...CARD.properties },
        }),
      },
    },
    async (request, reply) => {
      const sid = session(request, reply, false);
      const { idempotencyKey, ...card } = request.body as Card & { idempotencyKey: string };
      return checkoutAnswer(
        request,
        reply,
        sid,
        () => placeOrder(request, sid, idempotencyKey, card),
        idempotencyKey,
      );
    },
  );
  // Where a page that said "still processing" sends the customer: how that checkout ended.
  app.get(
    "/checkout/status",
    {
      schema: {
        querystring: {
          type: "object",
          required: ["key"],
          additionalProperties: false,
          properties: { key: { type: "string", format: "uuid" } },
        },
      },
    },
    async (request, reply) => {
      const sid = session(request, reply, false);
      const { key } = request.query as { key: string };
      return checkoutAnswer(request, reply, sid, () => checkoutStatus(request, sid, key), key);
    },
  );

  /** The page for a checkout: confirmed, still processing, or the form again with the reason. */
  async function checkoutAnswer(
    request: FastifyRequest,
    reply: FastifyReply,
    sid: string,
    outcome: () => Promise<Confirmation | undefined>,
    key: string,
  ) {
    try {
      const done = await outcome();
      if (!done) return html(reply, processingPage(key), 202);
      const products = await listProducts(request, "");
      return html(
        reply,
        confirmationPage({ ...done, names: new Map(products.map((p) => [p.id, p.name])) }),
        201,
      );
    } catch (e) {
      if (!(e instanceof HttpError) || e.statusCode >= 500) throw e;
      // A declined or invalid card: the same form again, with the reason, and the cart kept.
      const mine = await cartLines(request, sid);
      return html(
        reply,
        checkoutPage({ ...mine, idempotencyKey: randomUUID(), error: e.message }),
        e.statusCode,
      );
    }
  }

  // ---- JSON API ----
  // The id names the session (orders are filed under it); the token is what proves it on the next call.
  app.get("/api/session", async (request, reply) => {
    const id = session(request, reply, true);
    return { sessionId: id, token: reply.signCookie(id) };
  });
  app.get("/api/products", { schema: { querystring: listQuery } }, async (request) => {
    const { q, category } = request.query as { q?: string; category?: string };
    return { items: await listProducts(request, filter(q, category)) };
  });
  app.get("/api/products/:productId", { schema: { params: productParams } }, async (request) => {
    const { productId } = request.params as { productId: string };
    const p = await product(request, productId);
    return { product: p, recommendations: (await recommended(request, `productId=${p.id}`)) ?? [] };
  });
  const cartJson = async (request: FastifyRequest, sid: string) => {
    const mine = await cartLines(request, sid);
    return {
      items: mine.lines.map((l) => ({
        productId: l.product.id,
        name: l.product.name,
        unitPriceCents: l.product.priceCents,
        quantity: l.quantity,
      })),
      totalCents: mine.totalCents,
    };
  };
  app.get("/api/cart", async (request, reply) => cartJson(request, session(request, reply, false)));
  app.post(
    "/api/cart/items",
    { schema: { body: { ...addBody, additionalProperties: false } } },
    async (request, reply) => {
      const sid = session(request, reply, false);
      const { productId, quantity } = request.body as { productId: string; quantity: number };
      await addToCart(request, sid, productId, quantity);
      return cartJson(request, sid);
    },
  );
  app.put(
    "/api/cart/items/:productId",
    { schema: { params: productParams, body: { ...quantityBody, additionalProperties: false } } },
    async (request, reply) => {
      const sid = session(request, reply, false);
      const { productId } = request.params as { productId: string };
      await setQuantity(request, sid, productId, (request.body as { quantity: number }).quantity);
      return cartJson(request, sid);
    },
  );
  app.delete("/api/cart/items/:productId", { schema: { params: productParams } }, async (request, reply) => {
    const sid = session(request, reply, false);
    await removeLine(request, sid, (request.params as { productId: string }).productId);
    return cartJson(request, sid);
  });
  app.post(
    "/api/checkout",
    {
      schema: {
        body: { type: "object", required: ["card"], additionalProperties: false, properties: { card: CARD } },
      },
    },
    async (request, reply) => {
      const sid = session(request, reply, false);
      const key = request.headers["idempotency-key"];
      if (typeof key !== "string")
        throw new HttpError(
          400,
          "missing_idempotency_key",
          "send an Idempotency-Key header, the same on every retry",
        );
      const done = await placeOrder(request, sid, key, (request.body as { card: Card }).card);
      if (!done)
        return reply.code(202).header("retry-after", "1").send({
          status: "processing",
          message:
            "the checkout is still in progress; retry with the same Idempotency-Key to see how it ended",
        });
      return reply.code(201).send(done);
    },
  );
  return service;
}
