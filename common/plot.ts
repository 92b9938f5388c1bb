/**
 * Plots as Vega-Lite specs, rendered in plain Node: SVG by Vega's own renderer (no browser, no
 * canvas), PNG from that SVG by resvg. Every plot the bench, the load generator and the dashboard
 * renderer write goes through here, so they share one look: white background, readable fonts,
 * ticks on every axis, Tableau's categorical colours.
 */
import { Resvg } from "@resvg/resvg-js";
import { parse, View } from "vega";
import { compile, type TopLevelSpec } from "vega-lite";

export type { TopLevelSpec } from "vega-lite";

/** Ten colours that stay distinguishable side by side (Tableau 10). */
export const CATEGORY_SCHEME = "tableau10";

/** The shared look; specs add only what is theirs. */
export const PLOT_CONFIG = {
  background: "white",
  font: "DejaVu Sans, sans-serif",
  padding: 8,
  title: { fontSize: 15, anchor: "start", offset: 10 },
  axis: { labelFontSize: 11, titleFontSize: 12, ticks: true, grid: true, gridColor: "#e6e6e6", tickCount: 8 },
  legend: { labelFontSize: 11, titleFontSize: 12, labelLimit: 260 },
  header: { labelFontSize: 12, titleFontSize: 12 },
  range: { category: { scheme: CATEGORY_SCHEME } },
  view: { stroke: "#cccccc" },
} as const;

export const VEGA_LITE_SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json";

/** A spec with the shared look merged in. */
export function withLook(spec: Record<string, unknown>): TopLevelSpec {
  return { $schema: VEGA_LITE_SCHEMA, config: PLOT_CONFIG, ...spec } as TopLevelSpec;
}

/** SVG text; the same spec and data give the same bytes. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new View(parse(compile(spec).spec), { renderer: "none" });
  try {
    return `${await view.toSVG()}\n`;
  } finally {
    view.finalize();
  }
}

/** A PNG of an SVG, at twice its size so text stays sharp; fonts come from the system. */
export function svgToPng(svg: string): Buffer {
  const image = new Resvg(svg, {
    fitTo: { mode: "zoom", value: 2 },
    font: { loadSystemFonts: true, defaultFontFamily: "DejaVu Sans" },
  });
  return image.render().asPng();
}
