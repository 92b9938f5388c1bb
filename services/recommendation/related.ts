/** How related two products are, and the best picks for a set of seeds. Pure, so tests pin it down. */
import type { Product } from "../catalog/products.js";

export function relatedness(a: Product, b: Product): number {
  const shared = a.tags.filter((t) => b.tags.includes(t)).length;
  return 2 * shared + (a.category === b.category ? 1 : 0);
}

/**
 * The `limit` products most related to the seeds, never a seed or an excluded product; ties go
 * to the cheaper product, then the id, so the answer is stable. Without seeds, one product per
 * category, cheapest first, as a starting point.
 */
export function recommend(
  products: readonly Product[],
  seeds: readonly Product[],
  exclude: ReadonlySet<string>,
  limit: number,
): Product[] {
  const candidates = products.filter((p) => !exclude.has(p.id) && !seeds.some((s) => s.id === p.id));
  const byPrice = (a: Product, b: Product) => a.priceCents - b.priceCents || a.id.localeCompare(b.id);
  if (seeds.length === 0) {
    const firstOfEach = new Map<string, Product>();
    for (const p of [...candidates].sort(byPrice))
      if (!firstOfEach.has(p.category)) firstOfEach.set(p.category, p);
    return [...firstOfEach.values()].sort((a, b) => a.category.localeCompare(b.category)).slice(0, limit);
  }
  const score = (p: Product) => Math.max(...seeds.map((s) => relatedness(s, p)));
  return candidates
    .map((p) => ({ p, s: score(p) }))
    .filter(({ s }) => s > 0)
    .sort((a, b) => b.s - a.s || byPrice(a.p, b.p))
    .slice(0, limit)
    .map(({ p }) => p);
}
