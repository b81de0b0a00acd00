/**
 * Focus and detail measures on a grey copy: Laplacian variance, a no-reference blur estimate,
 * grain, and a coarse grid of local detail (used to tell an isolated subject from uniform detail).
 */
import { measureNoise } from './measureNoise';
import type { SharpnessMetrics } from './PhotoMetrics';
import { round } from './round';

/** Raw 8-bit single-channel pixels. */
export interface GreyPixels {
  data: Buffer;
  width: number;
  height: number;
}

/** Mean gradient magnitude per cell of a GRID × GRID partition of the frame. */
export interface DetailGrid {
  size: number;
  cells: Float64Array;
}

export const DETAIL_GRID = 8;
/** Width of the box filter in the Crété blur estimate. */
const BLUR_TAPS = 9;

/** Sharpness metrics and the detail grid of `grey`. */
export function measureSharpness(grey: GreyPixels): { sharpness: SharpnessMetrics; grid: DetailGrid } {
  const { data, width, height } = grey;
  const grid: DetailGrid = { size: DETAIL_GRID, cells: new Float64Array(DETAIL_GRID * DETAIL_GRID) };
  if (width < 3 || height < 3) {
    return { sharpness: { laplacianVariance: 0, blurIndex: 1, meanGradient: 0, detailSpread: 1, upperDetailRatio: 1, noise: 0 }, grid };
  }
  const cellCounts = new Float64Array(DETAIL_GRID * DETAIL_GRID);
  let lapSum = 0;
  let lapSum2 = 0;
  let gradSum = 0;
  let n = 0;
  for (let y = 1; y < height - 1; y++) {
    const row = y * width;
    const gy = Math.min(DETAIL_GRID - 1, Math.floor((y * DETAIL_GRID) / height));
    for (let x = 1; x < width - 1; x++) {
      const i = row + x;
      const c = data[i];
      const l = data[i - 1];
      const r = data[i + 1];
      const u = data[i - width];
      const d = data[i + width];
      const lap = l + r + u + d - 4 * c;
      lapSum += lap;
      lapSum2 += lap * lap;
      const grad = Math.abs(r - l) + Math.abs(d - u);
      gradSum += grad;
      const cell = gy * DETAIL_GRID + Math.min(DETAIL_GRID - 1, Math.floor((x * DETAIL_GRID) / width));
      grid.cells[cell] += grad;
      cellCounts[cell]++;
      n++;
    }
  }
  for (let k = 0; k < grid.cells.length; k++) grid.cells[k] = cellCounts[k] ? grid.cells[k] / cellCounts[k] : 0;
  const lapMean = lapSum / n;
  const sorted = Array.from(grid.cells).sort((a, b) => a - b);
  const p10 = sorted[Math.floor(sorted.length * 0.1)];
  const p90 = sorted[Math.floor(sorted.length * 0.9)];
  return {
    sharpness: {
      laplacianVariance: round(lapSum2 / n - lapMean * lapMean, 2),
      blurIndex: round(creteBlur(grey)),
      meanGradient: round(gradSum / n, 3),
      // +1 keeps featureless frames (flat colour everywhere) from dividing by zero.
      detailSpread: round((p90 + 1) / (p10 + 1), 3),
      upperDetailRatio: round(upperDetailRatio(grid), 3),
      noise: round(measureNoise(grey), 2),
    },
    grid,
  };
}

/** Mean detail of the top quarter of the frame over that of the bottom half (+1 smoothing). */
function upperDetailRatio(grid: DetailGrid): number {
  const n = grid.size;
  const rowsMean = (from: number, to: number) => {
    let sum = 0;
    for (let k = from * n; k < to * n; k++) sum += grid.cells[k];
    return sum / ((to - from) * n);
  };
  return (rowsMean(0, n / 4) + 1) / (rowsMean(n / 2, n) + 1);
}

/**
 * Crété, Dolmiere, Ladret & Nicolas (2007): re-blur the image and see how much neighbouring-pixel
 * variation it loses. A sharp image loses a lot; an already blurred one hardly changes.
 */
function creteBlur({ data, width, height }: GreyPixels): number {
  const half = (BLUR_TAPS - 1) / 2;
  let sumFh = 0;
  let sumVh = 0;
  let sumFv = 0;
  let sumVv = 0;
  const blurRow = new Float64Array(width);
  const blurCol = new Float64Array(height);
  // Horizontal: blur each row with a running box filter, compare neighbour differences.
  for (let y = 0; y < height; y++) {
    const row = y * width;
    boxFilter((k) => data[row + k], width, half, blurRow);
    for (let x = 1; x < width; x++) {
      const dF = Math.abs(data[row + x] - data[row + x - 1]);
      const dB = Math.abs(blurRow[x] - blurRow[x - 1]);
      sumFh += dF;
      sumVh += Math.max(0, dF - dB);
    }
  }
  for (let x = 0; x < width; x++) {
    boxFilter((k) => data[k * width + x], height, half, blurCol);
    for (let y = 1; y < height; y++) {
      const dF = Math.abs(data[y * width + x] - data[(y - 1) * width + x]);
      const dB = Math.abs(blurCol[y] - blurCol[y - 1]);
      sumFv += dF;
      sumVv += Math.max(0, dF - dB);
    }
  }
  const bh = sumFh > 0 ? (sumFh - sumVh) / sumFh : 1;
  const bv = sumFv > 0 ? (sumFv - sumVv) / sumFv : 1;
  return Math.max(bh, bv);
}

/** Box filter of radius `half` over `length` samples, edges clamped, into `out`. */
function boxFilter(at: (k: number) => number, length: number, half: number, out: Float64Array): void {
  const taps = 2 * half + 1;
  let acc = 0;
  for (let k = -half; k <= half; k++) acc += at(clampIndex(k, length));
  for (let k = 0; k < length; k++) {
    out[k] = acc / taps;
    acc += at(clampIndex(k + half + 1, length)) - at(clampIndex(k - half, length));
  }
}

function clampIndex(k: number, length: number): number {
  return k < 0 ? 0 : k >= length ? length - 1 : k;
}
