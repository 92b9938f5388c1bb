/**
 * The checkout form in a real browser: Debian's headless Chromium, driven over the DevTools
 * protocol by puppeteer-core, against the whole shop on real Redis and PostgreSQL. A customer
 * adds a product, pays, and sees the confirmation; another's card is declined, and they see the
 * reason on the form with their cart kept.
 */
import { existsSync } from "node:fs";
import { jest } from "@jest/globals";
import puppeteer, { type Browser, type Page } from "puppeteer-core";
import { type InProcessShop, startInProcessShop, untilReady } from "../local/in-process.js";
import { TEST_CARDS } from "../payments/card.js";

jest.setTimeout(120_000);

const CHROMIUM = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => existsSync(p));

let shop: InProcessShop;
let browser: Browser;
beforeAll(async () => {
  if (!CHROMIUM)
    throw new Error("chromium was not found; install the Debian package (apt-get install chromium)");
  shop = await startInProcessShop();
  await untilReady(shop.urls);
  browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    // Root in CI has no user namespace for Chromium's sandbox; the pages are our own.
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
    timeout: 60_000,
  });
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await shop?.stop();
}, 60_000);

/** A fresh customer (its own cookies) with one product in the cart, on the checkout form. */
async function atCheckout(productId: string): Promise<Page> {
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  await page.goto(`${shop.urls.frontend}/products/${productId}`);
  await Promise.all([page.waitForNavigation(), page.click("form[action='/cart/items'] button[type=submit]")]);
  expect(new URL(page.url()).pathname).toBe("/cart");
  expect(await page.$eval(".cart-link", (a) => a.textContent)).toContain("1");
  await Promise.all([page.waitForNavigation(), page.click("a[href='/checkout']")]);
  expect(new URL(page.url()).pathname).toBe("/checkout");
  return page;
}

async function pay(page: Page, number: string) {
  await page.type("input[name=number]", number);
  await page.type("input[name=expMonth]", "12");
  await page.type("input[name=expYear]", "2030");
  await page.type("input[name=cvv]", "123");
  const [response] = await Promise.all([
    page.waitForNavigation(),
    page.click("form[action='/checkout'] button"),
  ]);
  return response;
}

it("takes a customer from a product to a confirmed order", async () => {
  const page = await atCheckout("cof-001");
  const response = await pay(page, TEST_CARDS.approved);
  expect(response?.status()).toBe(201);
  expect(await page.$eval("h1", (h) => h.textContent)).toBe("Thank you!");
  const orderId = await page.$eval(".order-id", (o) => o.textContent);
  const order = (await (await fetch(`${shop.urls.orders}/orders/${orderId}`)).json()) as any;
  expect(order.status).toBe("placed");
  const payment = (await (await fetch(`${shop.urls.payments}/payments/${order.paymentId}`)).json()) as any;
  expect([payment.status, payment.amountCents]).toEqual(["captured", order.totalCents]);
  expect(await page.$eval("main", (m) => m.textContent)).toContain(`ending ${TEST_CARDS.approved.slice(-4)}`);
  await page.browserContext().close();
});

it("shows a declined card's reason on the form and keeps the cart", async () => {
  const page = await atCheckout("tea-001");
  const response = await pay(page, TEST_CARDS.declined);
  expect(response?.status()).toBe(402);
  expect(new URL(page.url()).pathname).toBe("/checkout");
  expect(await page.$eval("[role=alert]", (p) => p.textContent)).toBe("the card was declined by the issuer");
  // The form is back with a fresh key, ready for another card; nothing was ordered.
  expect(await page.$("input[name=number]")).not.toBeNull();
  await page.goto(`${shop.urls.frontend}/cart`);
  expect(await page.$eval("main", (m) => m.textContent)).toContain("Emerald Sencha");
  await page.browserContext().close();
});
