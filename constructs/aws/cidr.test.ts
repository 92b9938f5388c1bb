import { contains, firstOverlap, formatCidr, overlaps, parseCidr, subnet } from "./cidr.js";

describe("cidr", () => {
  it("parses aligned blocks and rejects the rest", () => {
    expect(parseCidr("10.0.0.0/16")).toEqual({ base: 0x0a000000, prefix: 16 });
    expect(parseCidr("10.0.1.0/16")).toBeUndefined(); // host bits set
    expect(parseCidr("10.0.0.256/24")).toBeUndefined();
    expect(parseCidr("10.0.0.0/33")).toBeUndefined();
    expect(parseCidr("not-a-cidr")).toBeUndefined();
  });

  it("splits a block into numbered children", () => {
    const vpc = parseCidr("10.0.0.0/16");
    if (!vpc) throw new Error("parse failed");
    expect(formatCidr(subnet(vpc, 19, 0))).toBe("10.0.0.0/19");
    expect(formatCidr(subnet(vpc, 19, 5))).toBe("10.0.160.0/19");
    expect(formatCidr(subnet(subnet(vpc, 19, 6), 22, 2))).toBe("10.0.200.0/22");
    expect(() => subnet(vpc, 19, 8)).toThrow("no block 8 of /19 inside 10.0.0.0/16");
  });

  it("detects overlap and containment at the edges", () => {
    const p = (s: string) =>
      parseCidr(s) ??
      (() => {
        throw new Error(s);
      })();
    expect(overlaps(p("10.0.0.0/24"), p("10.0.0.128/25"))).toBe(true);
    expect(overlaps(p("10.0.0.0/25"), p("10.0.0.128/25"))).toBe(false);
    expect(contains(p("10.0.0.0/16"), p("10.0.255.0/24"))).toBe(true);
    expect(contains(p("10.0.0.0/16"), p("10.1.0.0/24"))).toBe(false);
    expect(contains(p("10.0.0.0/24"), p("10.0.0.0/16"))).toBe(false);
    expect(
      firstOverlap([
        { label: "a", cidr: p("10.0.0.0/24") },
        { label: "b", cidr: p("10.0.1.0/24") },
        { label: "c", cidr: p("10.0.1.128/25") },
      ]),
    ).toEqual(["b", "c"]);
  });
});
