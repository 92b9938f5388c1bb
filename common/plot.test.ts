import { renderSvg, svgToPng, withLook } from "./plot.js";

describe("plot rendering", () => {
  const spec = withLook({
    data: {
      values: [
        { x: 1, y: 10 },
        { x: 2, y: 1000 },
      ],
    },
    mark: "line",
    encoding: {
      x: { field: "x", type: "quantitative" },
      y: { field: "y", type: "quantitative", scale: { type: "log" } },
    },
  });

  it("renders a Vega-Lite spec to the same SVG bytes every time, with no browser", async () => {
    const first = await renderSvg(spec);
    expect(first).toMatch(/^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(await renderSvg(spec)).toBe(first);
  });

  it("turns the SVG into a PNG at twice its size", async () => {
    const svg = await renderSvg(spec);
    const png = svgToPng(svg);
    expect(png.subarray(1, 4).toString("latin1")).toBe("PNG");
    const width = png.readUInt32BE(16);
    const svgWidth = Number(/width="(\d+)"/.exec(svg)?.[1]);
    expect(width).toBe(svgWidth * 2);
  });
});
