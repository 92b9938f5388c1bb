/**
 * IPv4 CIDR arithmetic for subnet layouts.
 *
 * Small on purpose: we only need parse, split and overlap, and we want exact
 * error messages that name the offending block.
 */
export interface Cidr {
  /** Network address as an unsigned 32-bit integer. */
  readonly base: number;
  readonly prefix: number;
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/** Parses `a.b.c.d/n`; returns undefined unless it is a valid, aligned network block. */
export function parseCidr(text: string): Cidr | undefined {
  const m = IPV4.exec(text);
  if (!m) return undefined;
  const octets = m.slice(1, 5).map(Number);
  const prefix = Number(m[5]);
  if (octets.some((o) => o > 255) || prefix > 32) return undefined;
  const base = (((octets[0] << 24) >>> 0) + (octets[1] << 16) + (octets[2] << 8) + octets[3]) >>> 0;
  if (base % blockSize(prefix) !== 0) return undefined;
  return { base, prefix };
}

export function formatCidr(c: Cidr): string {
  const o = [c.base >>> 24, (c.base >>> 16) & 255, (c.base >>> 8) & 255, c.base & 255];
  return `${o.join(".")}/${c.prefix}`;
}

function blockSize(prefix: number): number {
  return 2 ** (32 - prefix);
}

/** The `index`-th block of length `prefix` inside `parent`. */
export function subnet(parent: Cidr, prefix: number, index: number): Cidr {
  const count = 2 ** (prefix - parent.prefix);
  if (prefix < parent.prefix || index < 0 || index >= count) {
    throw new RangeError(`no block ${index} of /${prefix} inside ${formatCidr(parent)}`);
  }
  return { base: parent.base + index * blockSize(prefix), prefix };
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  return a.base < b.base + blockSize(b.prefix) && b.base < a.base + blockSize(a.prefix);
}

export function contains(outer: Cidr, inner: Cidr): boolean {
  return inner.prefix >= outer.prefix && inner.base >= outer.base && overlaps(outer, inner);
}

/** The first pair of overlapping blocks in the list, by their labels, or undefined. */
export function firstOverlap(
  blocks: ReadonlyArray<{ label: string; cidr: Cidr }>,
): [string, string] | undefined {
  for (let i = 0; i < blocks.length; i++) {
    for (let j = i + 1; j < blocks.length; j++) {
      if (overlaps(blocks[i].cidr, blocks[j].cidr)) return [blocks[i].label, blocks[j].label];
    }
  }
  return undefined;
}
