/**
 * The benchmark chart: every targeted figure as a bar of "share of its target used" (the
 * target is the line at 100 %; for ≥ targets the ratio is inverted so shorter is still
 * better), and local-engine throughput per concurrency. Drawn as SVG, rasterised by sharp.
 */
import sharp from 'sharp';
import { formatTarget, type BenchResults, type Figure } from './BenchResults';

/** Canvas width, widened when a value label would run past it. */
const MIN_WIDTH = 1320;
const MARGIN = 24;
const ROW = 34;
const LEFT = 520;
const BAR_MAX = 520;
/** The x-axis runs to 200 % of target; longer bars are cut and marked. */
const SCALE_MAX = 2;
const GREEN = '#2e9d5b';
const RED = '#d1453b';
const GREY = '#5b7fb8';

/** Renders the chart as a PNG. */
export async function renderChart(results: BenchResults): Promise<Buffer> {
  return sharp(Buffer.from(chartSvg(results))).png().toBuffer();
}

/** The chart as SVG text (exported for inspection and tests). */
export function chartSvg(results: BenchResults): string {
  const targeted = results.figures.filter((f) => f.target);
  const throughput = results.figures.filter((f) => f.id.startsWith('throughput.rps_'));
  const top = 118;
  const targetsHeight = targeted.length * ROW + 40;
  const throughputTop = top + targetsHeight + 56;
  const height = throughputTop + Math.max(1, throughput.length) * ROW + 70;
  const c = results.conditions;
  const extent = { right: 0 };
  const targets = targetsPanel(targeted, results.figures, top, extent);
  const width = Math.ceil(Math.max(MIN_WIDTH, extent.right + MARGIN));
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="DejaVu Sans, Liberation Sans, Arial, sans-serif">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    text(24, 38, 'SnatchShot Cloud API — benchmarks', { size: 24, weight: 'bold' }),
    text(24, 64, `${c.date.slice(0, 10)} · Node ${c.node} · ${c.cpus} CPUs · load ${c.loadAverageAtStart} at start${c.mode === 'quick' ? ' · QUICK SELF-TEST (numbers meaningless)' : ''}`, { size: 14, fill: '#555' }),
    ...targets,
    text(24, throughputTop - 18, 'Local engine throughput, 12 MP JPEG (requests/s; label: p50 latency)', { size: 16, weight: 'bold' }),
    ...throughputPanel(results.figures, throughput, throughputTop),
    '</svg>',
  ];
  return parts.join('\n');
}

/** @param extent its `right` grows to the rightmost value label's end. */
function targetsPanel(figures: Figure[], all: Figure[], top: number, extent: { right: number }): string[] {
  const out = [text(24, top - 8, 'Share of target used — bar left of the dashed line = target met; dashed outline = before the fix, same run', { size: 16, weight: 'bold' })];
  const beforeOf = new Map(all.filter((f) => f.id.endsWith('_before')).map((f) => [f.id.slice(0, -'_before'.length), f]));
  const x0 = LEFT;
  const unit = BAR_MAX / SCALE_MAX;
  const lineX = x0 + unit;
  const bottom = top + 10 + figures.length * ROW;
  // The target line first, so bars and labels are drawn over it.
  out.push(`<line x1="${lineX}" y1="${top}" x2="${lineX}" y2="${bottom}" stroke="#333" stroke-width="1.5" stroke-dasharray="6 4"/>`);
  figures.forEach((f, i) => {
    const y = top + 10 + i * ROW;
    const share = shareOfTarget(f);
    const cut = share > SCALE_MAX;
    const width = Math.max(2, Math.min(share, SCALE_MAX) * unit);
    // The same figure measured before a fix in this run (id + `_before`): an outline behind the bar.
    const before = beforeOf.get(f.id);
    const beforeWidth = before ? Math.max(2, Math.min(shareOfTarget({ ...before, target: f.target }), SCALE_MAX) * unit) : 0;
    out.push(
      text(x0 - 12, y + 17, f.label, { size: 13, anchor: 'end' }),
      ...(before ? [`<rect x="${x0}" y="${y + 3}" width="${beforeWidth.toFixed(1)}" height="${ROW - 10}" rx="3" fill="none" stroke="${GREY}" stroke-width="1.5" stroke-dasharray="4 3"/>`] : []),
      `<rect x="${x0}" y="${y + 3}" width="${width.toFixed(1)}" height="${ROW - 10}" rx="3" fill="${f.ok ? GREEN : RED}"/>`,
      ...label(x0 + Math.max(width, beforeWidth) + 8, y + 17, `${f.value} ${f.unit}  (target ${formatTarget(f.target, f.unit)}${before ? `; before ${before.value} ${before.unit}` : ''})${cut ? '  ›' : ''}`, extent),
    );
  });
  out.push(`<line x1="${x0}" y1="${bottom}" x2="${x0 + BAR_MAX}" y2="${bottom}" stroke="#999"/>`);
  for (let tick = 0; tick <= SCALE_MAX; tick += 0.5) {
    const x = x0 + tick * unit;
    out.push(`<line x1="${x}" y1="${bottom}" x2="${x}" y2="${bottom + 5}" stroke="#999"/>`, text(x, bottom + 20, `${Math.round(tick * 100)} %`, { size: 12, anchor: 'middle', fill: '#555' }));
  }
  return out;
}

function throughputPanel(all: Figure[], rps: Figure[], top: number): string[] {
  const out: string[] = [];
  const best = Math.max(...rps.map((f) => f.value), 0.001);
  rps.forEach((f, i) => {
    const y = top + i * ROW;
    const key = f.id.replace('throughput.rps_c', '');
    const concurrency = key.endsWith('_before') ? `${key.slice(0, -'_before'.length)} (before)` : key;
    const p50 = all.find((g) => g.id === `throughput.p50_c${key}`);
    const width = Math.max(2, (f.value / best) * BAR_MAX * 0.8);
    out.push(
      text(LEFT - 12, y + 17, `concurrency ${concurrency}`, { size: 13, anchor: 'end' }),
      `<rect x="${LEFT}" y="${y + 3}" width="${width.toFixed(1)}" height="${ROW - 10}" rx="3" fill="${GREY}"/>`,
      text(LEFT + width + 8, y + 17, `${f.value} req/s${p50 ? `  ·  p50 ${Math.round(p50.value)} ms` : ''}`, { size: 13, fill: '#222' }),
    );
  });
  if (rps.length === 0) out.push(text(LEFT, top + 17, 'not measured in this run', { size: 13, fill: '#555' }));
  return out;
}

/** value ÷ target for upper bounds, target ÷ value for lower bounds: < 1 means met. */
function shareOfTarget(f: Figure): number {
  if (!f.target) return 0;
  if (f.target.op === '>=' || f.target.op === '>') return f.value > 0 ? f.target.value / f.value : Infinity;
  return f.target.value > 0 ? f.value / f.target.value : Infinity;
}

/** A value label on a white backing, so it stays readable where it crosses the target line. */
function label(x: number, y: number, content: string, extent: { right: number }): string[] {
  const width = [...content].length * 7.4;
  extent.right = Math.max(extent.right, x + width);
  return [`<rect x="${x - 3}" y="${y - 14}" width="${width.toFixed(0)}" height="19" fill="#ffffff"/>`, text(x, y, content, { size: 13, fill: '#222' })];
}

function text(x: number, y: number, content: string, style: { size: number; weight?: string; anchor?: string; fill?: string }): string {
  const escaped = content.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return `<text x="${x}" y="${y}" font-size="${style.size}"${style.weight ? ` font-weight="${style.weight}"` : ''}${style.anchor ? ` text-anchor="${style.anchor}"` : ''} fill="${style.fill ?? '#111'}">${escaped}</text>`;
}
