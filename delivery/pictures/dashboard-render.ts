/**
 * A Grafana dashboard, drawn without Grafana: each panel's own queries are run against a real
 * Prometheus (range queries for time series, instant queries for stats), laid out on the
 * dashboard's grid, and drawn with Vega-Lite. Legends use the panels' legendFormat, units their
 * unit, and the dashboard's annotation queries become marks on every time axis, as Grafana
 * shows them. Grafana is in neither registry this project installs from, so this is how its
 * dashboards get looked at in CI and in docs/.
 */
import { CATEGORY_SCHEME, type TopLevelSpec, withLook } from "../../common/plot.js";

export interface GridPos {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

export interface PanelJson {
  readonly type: string;
  readonly title: string;
  readonly gridPos: GridPos;
  readonly fieldConfig?: { readonly defaults?: { readonly unit?: string } };
  readonly targets?: readonly { readonly expr: string; readonly legendFormat?: string }[];
}

export interface DashboardJson {
  readonly title: string;
  readonly uid: string;
  readonly panels: readonly PanelJson[];
  readonly annotations?: {
    readonly list?: readonly {
      readonly name: string;
      readonly expr?: string;
      readonly step?: string;
      readonly titleFormat?: string;
    }[];
  };
}

/** One series of a Prometheus matrix or vector result. */
export interface Series {
  readonly metric: Readonly<Record<string, string>>;
  /** [unix seconds, value] pairs; one pair for an instant query. */
  readonly values: readonly (readonly [number, number])[];
}

/** Where the panels' data comes from: a real Prometheus's HTTP API, in the render command. */
export interface QuerySource {
  /** The source's own range, at its own step unless a query asks for a coarser one. */
  range(expr: string, stepS?: number): Promise<Series[]>;
  instant(expr: string): Promise<Series[]>;
}

/** Grafana's legendFormat: `{{label}}` becomes the series' label value (empty when it has none). */
export function legendName(format: string | undefined, metric: Readonly<Record<string, string>>): string {
  if (!format) {
    const labels = Object.entries(metric).filter(([k]) => k !== "__name__");
    return labels.length === 0
      ? (metric.__name__ ?? "value")
      : `{${labels.map(([k, v]) => `${k}="${v}"`).join(", ")}}`;
  }
  return format
    .replace(/\{\{\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}/g, (_, label: string) => metric[label] ?? "")
    .trim();
}

/** Dashboard variables, as Grafana interpolates them: `$name` and `${name}`. */
export function interpolate(text: string, variables: Readonly<Record<string, string>>): string {
  return text.replace(/\$\{(\w+)\}|\$(\w+)/g, (whole, braced: string, bare: string) => {
    const name = braced ?? bare;
    return name in variables ? variables[name] : whole;
  });
}

/** How a Grafana unit is shown: an axis format (d3) and a suffix for the axis title. */
export function unitFormat(unit: string | undefined): { format: string; suffix: string } {
  switch (unit) {
    case "percentunit":
      return { format: ".1%", suffix: "" };
    case "percent":
      return { format: ".0f", suffix: "%" };
    case "reqps":
      return { format: ".3~s", suffix: "req/s" };
    case "ops":
      return { format: ".3~s", suffix: "ops/s" };
    case "ms":
      return { format: ".3~s", suffix: "ms" };
    case "s":
      return { format: ".3~s", suffix: "seconds" };
    default:
      return { format: ".3~g", suffix: "" };
  }
}

const INDEPENDENT = {
  scale: { color: "independent", x: "independent", y: "independent" },
  legend: { color: "independent" },
};

/** The grid's 24 columns across this many pixels; a grid row is this tall. */
const GRID_WIDTH_PX = 1180;
const GRID_ROW_PX = 26;

interface TimeAxis {
  readonly startS: number;
  readonly endS: number;
  /** d3 time format of the tick labels: seconds on a short range. */
  readonly format: string;
}

export interface Annotation {
  readonly at: number;
  readonly title: string;
}

async function annotationsOf(
  dashboard: DashboardJson,
  source: QuerySource,
  variables: Readonly<Record<string, string>>,
): Promise<Annotation[]> {
  const found: Annotation[] = [];
  for (const a of dashboard.annotations?.list ?? []) {
    if (!a.expr) continue;
    // Grafana evaluates an annotation query at its own step: one mark per step the query returns.
    const stepS = a.step ? Number.parseInt(a.step, 10) : undefined;
    for (const series of await source.range(interpolate(a.expr, variables), stepS))
      for (const [at] of series.values)
        found.push({ at, title: legendName(a.titleFormat ?? a.name, series.metric) });
  }
  return found;
}

function noData(width: number, height: number, title: string) {
  return {
    title,
    width,
    height,
    data: { values: [{ text: "No data" }] },
    mark: { type: "text", fontSize: 16, color: "#888888" },
    encoding: { text: { field: "text" } },
  };
}

async function timeseriesPanel(
  panel: PanelJson,
  source: QuerySource,
  variables: Readonly<Record<string, string>>,
  annotations: readonly Annotation[],
  time: TimeAxis,
) {
  const width = Math.round((panel.gridPos.w / 24) * GRID_WIDTH_PX) - 80;
  const height = panel.gridPos.h * GRID_ROW_PX - 70;
  const values: { at: number; series: string; value: number }[] = [];
  for (const target of panel.targets ?? []) {
    for (const s of await source.range(interpolate(target.expr, variables))) {
      const series = interpolate(legendName(target.legendFormat, s.metric), variables);
      for (const [at, value] of s.values)
        if (Number.isFinite(value)) values.push({ at: at * 1000, series, value });
    }
  }
  if (values.length === 0) return noData(width, height, panel.title);
  const { format, suffix } = unitFormat(panel.fieldConfig?.defaults?.unit);
  // Every panel spans the dashboard's whole time range, as in Grafana, whatever its data covers.
  const x = {
    field: "at",
    type: "temporal",
    scale: { type: "utc", domain: [time.startS * 1000, time.endS * 1000] },
    axis: { format: time.format, labelOverlap: true, title: null },
  };
  return {
    title: panel.title,
    width,
    height,
    layer: [
      {
        data: { values },
        mark: { type: "line", strokeWidth: 1.5 },
        encoding: {
          x,
          y: { field: "value", type: "quantitative", axis: { format, title: suffix || null } },
          color: {
            field: "series",
            type: "nominal",
            scale: { scheme: CATEGORY_SCHEME },
            legend: { orient: "bottom", columns: 4, title: null },
          },
        },
      },
      ...(annotations.length > 0
        ? [
            {
              data: { values: annotations.map((a) => ({ at: a.at * 1000, title: a.title })) },
              mark: { type: "rule", color: "#b07aa1", strokeDash: [3, 3] },
              encoding: { x },
            },
          ]
        : []),
    ],
  };
}

async function statPanel(panel: PanelJson, source: QuerySource, variables: Readonly<Record<string, string>>) {
  const width = Math.round((panel.gridPos.w / 24) * GRID_WIDTH_PX) - 30;
  const height = panel.gridPos.h * GRID_ROW_PX - 50;
  const values: { series: string; value: number }[] = [];
  for (const target of panel.targets ?? [])
    for (const s of await source.instant(interpolate(target.expr, variables))) {
      const value = s.values.at(-1)?.[1];
      if (value !== undefined && Number.isFinite(value))
        values.push({ series: interpolate(legendName(target.legendFormat, s.metric), variables), value });
    }
  if (values.length === 0) return noData(width, height, panel.title);
  const { format } = unitFormat(panel.fieldConfig?.defaults?.unit);
  const xField = { field: "series", type: "nominal", axis: null, sort: null } as const;
  return {
    title: panel.title,
    width,
    height,
    data: { values },
    layer: [
      {
        mark: { type: "text", fontSize: 22, fontWeight: "bold", color: "#2f6f3e", dy: -8 },
        encoding: { x: xField, text: { field: "value", type: "quantitative", format } },
      },
      {
        mark: { type: "text", fontSize: 11, dy: 16, color: "#555555" },
        encoding: { x: xField, text: { field: "series" } },
      },
    ],
  };
}

/** Words into lines of at most `width` characters. */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  for (const word of text.split(/\s+/)) {
    const last = lines.at(-1);
    if (last !== undefined && last.length + 1 + word.length <= width)
      lines[lines.length - 1] = `${last} ${word}`;
    else lines.push(word);
  }
  return lines;
}

/**
 * The whole dashboard as one Vega-Lite spec: its rows top to bottom, each row's panels left to
 * right, every panel drawn from its own queries.
 */
export async function renderDashboard(
  dashboard: DashboardJson,
  source: QuerySource,
  variables: Readonly<Record<string, string>> = {},
  range: { readonly startS: number; readonly endS: number },
  note = "",
): Promise<TopLevelSpec> {
  const time: TimeAxis = { ...range, format: range.endS - range.startS < 900 ? "%H:%M:%S" : "%H:%M" };
  const annotations = await annotationsOf(dashboard, source, variables);
  const rows = new Map<number, PanelJson[]>();
  for (const p of [...dashboard.panels].sort(
    (a, b) => a.gridPos.y - b.gridPos.y || a.gridPos.x - b.gridPos.x,
  ))
    rows.set(p.gridPos.y, [...(rows.get(p.gridPos.y) ?? []), p]);
  const drawn: Record<string, unknown>[] = [];
  for (const panels of rows.values()) {
    const row: Record<string, unknown>[] = [];
    for (const panel of panels) {
      if (panel.type === "row")
        row.push({
          width: GRID_WIDTH_PX,
          height: 8,
          title: { text: panel.title, fontSize: 16, color: "#333333" },
          mark: { type: "text" },
          data: { values: [{}] },
        });
      else if (panel.type === "timeseries")
        row.push(await timeseriesPanel(panel, source, variables, annotations, time));
      else if (panel.type === "stat") row.push(await statPanel(panel, source, variables));
      else
        throw new Error(
          `dashboard ${dashboard.uid}: panel '${panel.title}' has type ${panel.type}, which is not drawn`,
        );
    }
    // Each panel keeps its own colours and legend, as in Grafana.
    drawn.push(row.length === 1 ? row[0] : { hconcat: row, resolve: INDEPENDENT });
  }
  const vars = Object.entries(variables).map(([k, v]) => `${k}=${v}`);
  return withLook({
    title: {
      text: dashboard.title + (vars.length > 0 ? ` (${vars.join(", ")})` : ""),
      // Without a canvas Vega guesses text widths generously; short lines keep the picture narrow.
      subtitle: note ? wrap(note, 110) : undefined,
      fontSize: 18,
    },
    vconcat: drawn,
    spacing: 24,
    resolve: INDEPENDENT,
  });
}
