/**
 * Minimal, deterministic SVG charts for the benchmark report: grouped bars and lines.
 * Plain text output, so the plots diff cleanly in Git and need no browser to produce.
 */

const PALETTE = [
  "#4e79a7",
  "#f28e2b",
  "#e15759",
  "#76b7b2",
  "#59a14f",
  "#edc948",
  "#b07aa1",
  "#ff9da7",
  "#9c755f",
  "#bab0ac",
];
const W = 880;
const H = 420;
const M = { top: 40, right: 200, bottom: 70, left: 70 };

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const num = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(2));

function niceMax(v: number): number {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

function frame(
  title: string,
  yLabel: string,
  yMax: number,
  body: string[],
  legend: string[],
  yMin = 0,
): string {
  const plotH = H - M.top - M.bottom;
  const ticks = Array.from({ length: 6 }, (_, i) => yMin + ((yMax - yMin) * i) / 5);
  const axis = ticks.map((t) => {
    const y = M.top + plotH - ((t - yMin) / (yMax - yMin)) * plotH;
    return `<line x1="${M.left}" x2="${W - M.right}" y1="${y.toFixed(1)}" y2="${y.toFixed(1)}" stroke="#ddd"/><text x="${M.left - 8}" y="${(y + 4).toFixed(1)}" text-anchor="end">${num(t)}</text>`;
  });
  const legendItems = legend.map(
    (name, i) =>
      `<rect x="${W - M.right + 16}" y="${M.top + i * 20}" width="12" height="12" fill="${PALETTE[i % PALETTE.length]}"/><text x="${W - M.right + 34}" y="${M.top + i * 20 + 11}">${esc(name)}</text>`,
  );
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12" role="img">`,
    `<title>${esc(title)}</title>`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="15">${esc(title)}</text>`,
    `<text transform="translate(18 ${M.top + plotH / 2}) rotate(-90)" text-anchor="middle">${esc(yLabel)}</text>`,
    ...axis,
    ...body,
    ...legendItems,
    "</svg>",
    "",
  ].join("\n");
}

/** Bars per category, one per series, with optional error whiskers. */
export function groupedBarChart(
  title: string,
  yLabel: string,
  categories: readonly string[],
  series: readonly { name: string; values: readonly number[]; errors?: readonly number[] }[],
): string {
  const max = niceMax(
    Math.max(
      ...series.flatMap((s) => s.values.map((v, i) => v + (s.errors?.[i] ?? 0))).filter(Number.isFinite),
    ),
  );
  const plotW = W - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  const groupW = plotW / categories.length;
  const barW = (groupW * 0.8) / series.length;
  const body: string[] = [];
  categories.forEach((c, ci) => {
    const x0 = M.left + ci * groupW + groupW * 0.1;
    series.forEach((s, si) => {
      const v = s.values[ci];
      if (!Number.isFinite(v)) return;
      const h = (Math.min(v, max) / max) * plotH;
      const x = x0 + si * barW;
      body.push(
        `<rect x="${x.toFixed(1)}" y="${(M.top + plotH - h).toFixed(1)}" width="${(barW - 1).toFixed(1)}" height="${h.toFixed(1)}" fill="${PALETTE[si % PALETTE.length]}"/>`,
      );
      const e = s.errors?.[ci];
      if (e && Number.isFinite(e) && e > 0) {
        const cx = x + barW / 2;
        const y1 = M.top + plotH - (Math.min(v + e, max) / max) * plotH;
        const y2 = M.top + plotH - (Math.max(v - e, 0) / max) * plotH;
        body.push(
          `<line x1="${cx.toFixed(1)}" x2="${cx.toFixed(1)}" y1="${y1.toFixed(1)}" y2="${y2.toFixed(1)}" stroke="#333"/>`,
        );
      }
    });
    body.push(
      `<text x="${(x0 + groupW * 0.4).toFixed(1)}" y="${H - M.bottom + 18}" text-anchor="middle">${esc(c)}</text>`,
    );
  });
  return frame(
    title,
    yLabel,
    max,
    body,
    series.map((s) => s.name),
  );
}

/** One line per series over a shared x axis. */
export function lineChart(
  title: string,
  xLabel: string,
  yLabel: string,
  series: readonly { name: string; points: readonly [number, number][] }[],
): string {
  const xs = series.flatMap((s) => s.points.map(([x]) => x));
  const ys = series.flatMap((s) => s.points.map(([, y]) => y)).filter(Number.isFinite);
  const xMin = Math.min(...xs);
  const xMax = Math.max(...xs);
  const yMax = niceMax(Math.max(...ys));
  const low = Math.min(0, ...ys);
  const yMin = low < 0 ? -niceMax(-low) : 0;
  const plotW = W - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  const px = (x: number) => M.left + ((x - xMin) / Math.max(xMax - xMin, 1e-9)) * plotW;
  const py = (y: number) => M.top + plotH - ((Math.min(y, yMax) - yMin) / (yMax - yMin)) * plotH;
  const body = series.map((s, i) => {
    const d = s.points
      .filter(([, y]) => Number.isFinite(y))
      .map(([x, y], j) => `${j === 0 ? "M" : "L"}${px(x).toFixed(1)},${py(y).toFixed(1)}`)
      .join(" ");
    return `<path d="${d}" fill="none" stroke="${PALETTE[i % PALETTE.length]}" stroke-width="2"/>`;
  });
  body.push(`<text x="${M.left + plotW / 2}" y="${H - 20}" text-anchor="middle">${esc(xLabel)}</text>`);
  body.push(`<text x="${M.left}" y="${H - M.bottom + 18}" text-anchor="start">${num(xMin)}</text>`);
  body.push(`<text x="${M.left + plotW}" y="${H - M.bottom + 18}" text-anchor="end">${num(xMax)}</text>`);
  return frame(
    title,
    yLabel,
    yMax,
    body,
    series.map((s) => s.name),
    yMin,
  );
}
