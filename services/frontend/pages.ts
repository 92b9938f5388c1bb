/** The shop's pages, as pure functions from data to HTML. */
import type { Product } from "../catalog/products.js";
import { type Html, html, money } from "./html.js";

export interface CartLineView {
  readonly product: Product;
  readonly quantity: number;
}

export interface Confirmation {
  readonly order: {
    readonly id: string;
    readonly totalCents: number;
    readonly items: readonly { productId: string; quantity: number; unitPriceCents: number }[];
  };
  readonly payment: { readonly id: string; readonly last4: string; readonly amountCents: number };
}

/** `cartCount` null means the cart could not be read: the page still renders, and says so. */
function layout(title: string, body: Html, cartCount: number | null = 0): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · Meshpilot Coffee</title>
<link rel="stylesheet" href="/static/shop.css">
</head>
<body>
<header><a href="/" class="brand">Meshpilot Coffee</a>
<form action="/" method="get" role="search"><input type="search" name="q" placeholder="Search" aria-label="Search products"></form>
<a href="/cart" class="cart-link">Cart (${cartCount === null ? "unavailable" : cartCount})</a></header>
<main>
${body}
</main>
</body>
</html>
`.text;
}

function card(p: Product): Html {
  return html`<li class="product"><a href="/products/${p.id}"><h3>${p.name}</h3></a><p>${p.description}</p><p class="price">${money(p.priceCents)}</p></li>`;
}

function recommendations(items: readonly Product[] | undefined): Html {
  if (!items || items.length === 0) return html``;
  return html`<section class="recommendations"><h2>You may also like</h2><ul class="grid">${items.map(card)}</ul></section>`;
}

export function homePage(input: {
  products: readonly Product[];
  categories: readonly string[];
  category?: string;
  query?: string;
  recommended?: readonly Product[];
  cartCount: number | null;
}): string {
  const heading = input.query
    ? `Results for “${input.query}”`
    : input.category
      ? `${input.category}`
      : "All products";
  return layout(
    "Home",
    html`<nav class="categories"><a href="/">all</a>${input.categories.map((c) => html` <a href="/?category=${c}">${c}</a>`)}</nav>
<h1>${heading}</h1>
${input.products.length === 0 ? html`<p>No products match.</p>` : html`<ul class="grid">${input.products.map(card)}</ul>`}
${recommendations(input.recommended)}`,
    input.cartCount,
  );
}

export function productPage(input: {
  product: Product;
  recommended?: readonly Product[];
  cartCount: number | null;
}): string {
  const p = input.product;
  return layout(
    p.name,
    html`<article class="product-detail"><h1>${p.name}</h1><p>${p.description}</p><p class="price">${money(p.priceCents)}</p>
<form action="/cart/items" method="post"><input type="hidden" name="productId" value="${p.id}">
<label>Quantity <input type="number" name="quantity" value="1" min="1" max="99" required></label>
<button type="submit">Add to cart</button></form></article>
${recommendations(input.recommended)}`,
    input.cartCount,
  );
}

export function cartPage(input: {
  lines: readonly CartLineView[];
  totalCents: number;
  recommended?: readonly Product[];
}): string {
  const count = input.lines.reduce((n, l) => n + l.quantity, 0);
  const body =
    input.lines.length === 0
      ? html`<h1>Your cart</h1><p>Your cart is empty. <a href="/">Browse the shop</a>.</p>`
      : html`<h1>Your cart</h1>
<table class="cart"><thead><tr><th>Product</th><th>Price</th><th>Quantity</th><th></th></tr></thead><tbody>
${input.lines.map(
  (
    l,
  ) => html`<tr><td><a href="/products/${l.product.id}">${l.product.name}</a></td><td>${money(l.product.priceCents)}</td>
<td><form action="/cart/items/${l.product.id}" method="post"><input type="number" name="quantity" value="${l.quantity}" min="1" max="99" aria-label="Quantity of ${l.product.name}"><button type="submit">Update</button></form></td>
<td><form action="/cart/items/${l.product.id}/remove" method="post"><button type="submit">Remove</button></form></td></tr>`,
)}
</tbody></table>
<p class="total">Total: ${money(input.totalCents)}</p>
<p><a class="button" href="/checkout">Check out</a></p>`;
  return layout("Cart", html`${body}${recommendations(input.recommended)}`, count);
}

export function checkoutPage(input: {
  lines: readonly CartLineView[];
  totalCents: number;
  idempotencyKey: string;
  error?: string;
}): string {
  const count = input.lines.reduce((n, l) => n + l.quantity, 0);
  return layout(
    "Checkout",
    html`<h1>Checkout</h1>
${input.error ? html`<p class="error" role="alert">${input.error}</p>` : ""}
<p>${count} items, total ${money(input.totalCents)}.</p>
<form action="/checkout" method="post">
<input type="hidden" name="idempotencyKey" value="${input.idempotencyKey}">
<label>Card number <input name="number" inputmode="numeric" autocomplete="cc-number" required pattern="[0-9]{12,19}"></label>
<label>Expiry month <input name="expMonth" type="number" min="1" max="12" autocomplete="cc-exp-month" required></label>
<label>Expiry year <input name="expYear" type="number" min="2000" max="2100" autocomplete="cc-exp-year" required></label>
<label>CVV <input name="cvv" inputmode="numeric" autocomplete="cc-csc" required pattern="[0-9]{3,4}"></label>
<button type="submit">Pay ${money(input.totalCents)}</button>
</form>`,
    count,
  );
}

export function confirmationPage(input: Confirmation & { names: ReadonlyMap<string, string> }): string {
  const { order, payment } = input;
  return layout(
    "Order confirmed",
    html`<h1>Thank you!</h1>
<p>Order <strong class="order-id">${order.id}</strong> is confirmed. We charged ${money(payment.amountCents)} to the card ending ${payment.last4}.</p>
<ul>${order.items.map((l) => html`<li>${l.quantity} × ${input.names.get(l.productId) ?? l.productId} at ${money(l.unitPriceCents)}</li>`)}</ul>
<p><a href="/">Continue shopping</a></p>`,
  );
}

/** A checkout still in progress: the page looks again by itself, and nobody is asked to pay twice. */
export function processingPage(idempotencyKey: string): string {
  const status = `/checkout/status?key=${encodeURIComponent(idempotencyKey)}`;
  return layout(
    "Processing your order",
    html`<meta http-equiv="refresh" content="2;url=${status}">
<h1>Processing your order</h1>
<p class="processing" role="status">We are confirming your payment and order. This page checks again in a moment; please do not pay again.</p>
<p><a href="${status}">Check now</a></p>`,
  );
}

export function errorPage(status: number, message: string): string {
  return layout(
    `Error ${status}`,
    html`<h1>Something went wrong</h1><p class="error" role="alert">${message}</p><p><a href="/">Back to the shop</a></p>`,
  );
}

export const STYLESHEET = `body{font-family:system-ui,sans-serif;margin:0;color:#222}
header{display:flex;gap:1rem;align-items:center;padding:.75rem 1.5rem;background:#3b2a20;color:#fff}
header a{color:#fff;text-decoration:none}.brand{font-weight:700;margin-right:auto}
main{max-width:64rem;margin:0 auto;padding:1.5rem}
.grid{list-style:none;padding:0;display:grid;grid-template-columns:repeat(auto-fill,minmax(14rem,1fr));gap:1rem}
.product{border:1px solid #ddd;border-radius:.5rem;padding:1rem}.price{font-weight:700}
.categories a{margin-right:.5rem}.error{color:#a00}
table.cart{border-collapse:collapse;width:100%}table.cart td,table.cart th{padding:.5rem;border-bottom:1px solid #eee;text-align:left}
label{display:block;margin:.5rem 0}.button,button{background:#3b2a20;color:#fff;border:0;padding:.5rem 1rem;border-radius:.25rem;text-decoration:none}
`;
