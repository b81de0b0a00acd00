/**
 * One pass over a small RGB copy: tonal and colour statistics.
 */
import type { ColourMetrics, TonalMetrics } from './PhotoMetrics';
import { round } from './round';

/** Raw 8-bit RGB pixels. */
export interface RgbPixels {
  data: Buffer;
  width: number;
  height: number;
}

const LUMA = [0.2126, 0.7152, 0.0722] as const;
const SHADOW_CLIP = 4;
const HIGHLIGHT_CLIP = 251;
/** Mid-tones only for cast estimation: clipped pixels carry no colour information. */
const MID_LOW = 20;
const MID_HIGH = 235;
/** Chroma (max − min) above which a pixel is considered coloured, for grayscale detection. */
const COLOURED_CHROMA = 10;

/** Tonal and colour statistics of `pixels` (computed in a single pass). */
export function measurePixels(pixels: RgbPixels): { tone: TonalMetrics; colour: ColourMetrics } {
  const { data, width, height } = pixels;
  const count = width * height;
  const lumaHist = new Float64Array(256);
  // Per-chroma-level channel sums of mid-tone pixels, to average the less chromatic half later.
  const chromaCount = new Float64Array(256);
  const chromaSums = new Float64Array(256 * 3);
  let sumY = 0;
  let sumY2 = 0;
  let sumSat = 0;
  let sumRg = 0;
  let sumRg2 = 0;
  let sumYb = 0;
  let sumYb2 = 0;
  let coloured = 0;
  let sumR = 0;
  let sumG = 0;
  let sumB = 0;
  let edgeSum = 0;
  let edgeCount = 0;
  let centreSum = 0;
  let centreCount = 0;
  const bandX = Math.max(1, Math.round(width * 0.12));
  const bandY = Math.max(1, Math.round(height * 0.12));
  const cx0 = width * 0.25;
  const cx1 = width * 0.75;
  const cy0 = height * 0.25;
  const cy1 = height * 0.75;

  for (let y = 0, i = 0; y < height; y++) {
    const edgeRow = y < bandY || y >= height - bandY;
    const centreRow = y >= cy0 && y < cy1;
    for (let x = 0; x < width; x++, i += 3) {
      const r = data[i];
      const g = data[i + 1];
      const b = data[i + 2];
      const luma = LUMA[0] * r + LUMA[1] * g + LUMA[2] * b;
      lumaHist[Math.min(255, Math.round(luma))]++;
      sumY += luma;
      sumY2 += luma * luma;
      sumR += r;
      sumG += g;
      sumB += b;
      const max = r > g ? (r > b ? r : b) : g > b ? g : b;
      const min = r < g ? (r < b ? r : b) : g < b ? g : b;
      const chroma = max - min;
      if (max > 0) sumSat += chroma / max;
      if (chroma > COLOURED_CHROMA) coloured++;
      const rg = r - g;
      const yb = 0.5 * (r + g) - b;
      sumRg += rg;
      sumRg2 += rg * rg;
      sumYb += yb;
      sumYb2 += yb * yb;
      if (luma >= MID_LOW && luma <= MID_HIGH) {
        chromaCount[chroma]++;
        chromaSums[chroma * 3] += r;
        chromaSums[chroma * 3 + 1] += g;
        chromaSums[chroma * 3 + 2] += b;
      }
      if (edgeRow || x < bandX || x >= width - bandX) {
        edgeSum += luma;
        edgeCount++;
      } else if (centreRow && x >= cx0 && x < cx1) {
        centreSum += luma;
        centreCount++;
      }
    }
  }

  const mean = sumY / count;
  const variance = Math.max(0, sumY2 / count - mean * mean);
  const percentile = percentileOf(lumaHist, count);
  let shadowPixels = 0;
  for (let v = 0; v <= SHADOW_CLIP; v++) shadowPixels += lumaHist[v];
  let highlightPixels = 0;
  for (let v = HIGHLIGHT_CLIP; v < 256; v++) highlightPixels += lumaHist[v];
  const histogram: number[] = [];
  for (let bin = 0; bin < 16; bin++) {
    let s = 0;
    for (let v = bin * 16; v < bin * 16 + 16; v++) s += lumaHist[v];
    histogram.push(round(s / count, 4));
  }

  const tone: TonalMetrics = {
    mean: round(mean / 255),
    median: round(percentile(0.5) / 255),
    p01: round(percentile(0.01) / 255),
    p05: round(percentile(0.05) / 255),
    p95: round(percentile(0.95) / 255),
    p99: round(percentile(0.99) / 255),
    rmsContrast: round(Math.sqrt(variance) / 255),
    dynamicRange: round((percentile(0.99) - percentile(0.01)) / 255),
    shadowClipping: round(shadowPixels / count),
    highlightClipping: round(highlightPixels / count),
    edgeMean: round(edgeCount ? edgeSum / edgeCount / 255 : mean / 255),
    centreMean: round(centreCount ? centreSum / centreCount / 255 : mean / 255),
    histogram,
  };

  const meanRg = sumRg / count;
  const meanYb = sumYb / count;
  const sdRg = Math.sqrt(Math.max(0, sumRg2 / count - meanRg * meanRg));
  const sdYb = Math.sqrt(Math.max(0, sumYb2 / count - meanYb * meanYb));
  const colourfulness = Math.hypot(sdRg, sdYb) + 0.3 * Math.hypot(meanRg, meanYb);
  const cast = estimateCast(chromaCount, chromaSums, [sumR / count, sumG / count, sumB / count]);
  const colouredFraction = coloured / count;

  const colour: ColourMetrics = {
    saturationMean: round(sumSat / count),
    colourfulness: round(colourfulness, 2),
    castWarm: round(cast.warm),
    castGreen: round(cast.green),
    neutralGains: cast.gains.map((g) => round(g)) as [number, number, number],
    channelMeans: [round(sumR / count / 255), round(sumG / count / 255), round(sumB / count / 255)],
    isGrayscale: colouredFraction < 0.005 && colourfulness < 3,
  };
  return { tone, colour };
}

/** Averages the less chromatic half of mid-tone pixels (likely neutral surfaces). */
function estimateCast(
  chromaCount: Float64Array,
  chromaSums: Float64Array,
  fallbackMeans: [number, number, number],
): { warm: number; green: number; gains: [number, number, number] } {
  let total = 0;
  for (let c = 0; c < 256; c++) total += chromaCount[c];
  let means = fallbackMeans;
  if (total > 0) {
    let taken = 0;
    let r = 0;
    let g = 0;
    let b = 0;
    for (let c = 0; c < 256 && taken < total / 2; c++) {
      taken += chromaCount[c];
      r += chromaSums[c * 3];
      g += chromaSums[c * 3 + 1];
      b += chromaSums[c * 3 + 2];
    }
    means = [r / taken, g / taken, b / taken];
  }
  const avg = (means[0] + means[1] + means[2]) / 3;
  if (avg < 1) return { warm: 0, green: 0, gains: [1, 1, 1] };
  return {
    warm: (means[0] - means[2]) / avg,
    green: (means[1] - (means[0] + means[2]) / 2) / avg,
    gains: [avg / Math.max(1, means[0]), avg / Math.max(1, means[1]), avg / Math.max(1, means[2])],
  };
}

/** The luma value below which fraction `p` of the pixels fall. */
function percentileOf(hist: Float64Array, count: number): (p: number) => number {
  return (p) => {
    const target = p * count;
    let acc = 0;
    for (let v = 0; v < 256; v++) {
      acc += hist[v];
      if (acc >= target) return v;
    }
    return 255;
  };
}
