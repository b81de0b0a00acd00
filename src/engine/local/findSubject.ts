/**
 * Where the subject is: the focal point of libvips' attention strategy (edges, skin tones,
 * saturation), then composition distances and how much the subject stands out in detail.
 */
import sharp from 'sharp';
import type { DetailGrid } from './measureSharpness';
import type { SubjectMetrics } from './PhotoMetrics';
import type { RgbPixels } from './measurePixels';
import { clamp, round } from './round';

/** Side of the square crop we ask sharp for; only its attention point is used. */
const PROBE = 128;
const THIRDS = [1 / 3, 2 / 3];
/** Attention points closer than this to an edge are treated as no answer. */
const EDGE_ARTIFACT = 0.03;

/** Locates the subject in `pixels` and relates it to the frame and the detail grid. */
export async function findSubject(pixels: RgbPixels, grid: DetailGrid): Promise<SubjectMetrics> {
  const { width, height } = pixels;
  const { info } = await sharp(pixels.data, { raw: { width, height, channels: 3 } })
    .resize(PROBE, PROBE, { fit: 'cover', position: 'attention' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  // attentionX/Y are in the resized-but-uncropped frame, which covers PROBE × PROBE.
  const scale = PROBE / Math.min(width, height);
  if (info.attentionX !== undefined && info.attentionY !== undefined) {
    const x = clamp(info.attentionX / (width * scale), 0, 1);
    const y = clamp(info.attentionY / (height * scale), 0, 1);
    // A focal point on the very border is what the strategy returns for featureless frames.
    if (Math.min(x, 1 - x, y, 1 - y) >= EDGE_ARTIFACT) return describeSubject(x, y, grid);
  }
  const fallback = detailCentroid(grid);
  return describeSubject(fallback.x, fallback.y, grid);
}

/** Composition distances for a subject at (x, y) in frame fractions. */
export function describeSubject(x: number, y: number, grid: DetailGrid): SubjectMetrics {
  let thirdsDistance = Infinity;
  for (const tx of THIRDS) for (const ty of THIRDS) thirdsDistance = Math.min(thirdsDistance, Math.hypot(x - tx, y - ty));
  return {
    x: round(x, 3),
    y: round(y, 3),
    thirdsDistance: round(thirdsDistance, 3),
    centreDistance: round(Math.hypot(x - 0.5, y - 0.5), 3),
    edgeMargin: round(Math.min(x, 1 - x, y, 1 - y), 3),
    isolation: round(isolation(x, y, grid), 3),
  };
}

/** Detail in the 3 × 3 cells around the subject divided by the frame's median cell detail. */
function isolation(x: number, y: number, grid: DetailGrid): number {
  const n = grid.size;
  const sorted = Array.from(grid.cells).sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  if (!(median > 0)) return 1;
  const cx = Math.min(n - 1, Math.floor(x * n));
  const cy = Math.min(n - 1, Math.floor(y * n));
  let sum = 0;
  let count = 0;
  for (let gy = Math.max(0, cy - 1); gy <= Math.min(n - 1, cy + 1); gy++) {
    for (let gx = Math.max(0, cx - 1); gx <= Math.min(n - 1, cx + 1); gx++) {
      sum += grid.cells[gy * n + gx];
      count++;
    }
  }
  return sum / count / median;
}

/** Centroid of the detail grid weighted by squared detail: where the structure is. */
function detailCentroid(grid: DetailGrid): { x: number; y: number } {
  const n = grid.size;
  let sx = 0;
  let sy = 0;
  let sw = 0;
  for (let gy = 0; gy < n; gy++) {
    for (let gx = 0; gx < n; gx++) {
      const w = grid.cells[gy * n + gx] ** 2;
      sx += w * ((gx + 0.5) / n);
      sy += w * ((gy + 0.5) / n);
      sw += w;
    }
  }
  return sw > 0 ? { x: sx / sw, y: sy / sw } : { x: 0.5, y: 0.5 };
}
