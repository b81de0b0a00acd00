/**
 * Sensor noise on a grey copy: the robust (median) response to Immerkær's noise operator, a
 * second difference in both directions that cancels flat areas and smooth ramps, so what is
 * left in the typical pixel is grain rather than scene detail (edges are a minority and the
 * median ignores them).
 */
import type { GreyPixels } from './measureSharpness';

/** Noise (σ, 0..255) from which grain shows at screen size; a clean photo measures about 1. */
export const VISIBLE_NOISE = 4;
/** √(Σ k²) of the 3 × 3 operator [1 −2 1; −2 4 −2; 1 −2 1]: scales the response to one σ. */
const OPERATOR_NORM = 6;
/** Median of |N(0, 1)|: turns a median absolute value into a standard deviation. */
const MAD_TO_SIGMA = 0.6745;

/** Estimated noise standard deviation of `grey`, in 0..255 levels (0 when too small to tell). */
export function measureNoise({ data, width, height }: GreyPixels): number {
  if (width < 3 || height < 3) return 0;
  // |response| is at most 16 × 255; a histogram gives the median in one pass.
  const histogram = new Uint32Array(16 * 255 + 1);
  let count = 0;
  for (let y = 1; y < height - 1; y++) {
    for (let x = 1; x < width - 1; x++) {
      const i = y * width + x;
      const up = i - width;
      const down = i + width;
      const response =
        data[up - 1] - 2 * data[up] + data[up + 1] -
        2 * (data[i - 1] - 2 * data[i] + data[i + 1]) +
        data[down - 1] - 2 * data[down] + data[down + 1];
      histogram[response < 0 ? -response : response]++;
      count++;
    }
  }
  let acc = 0;
  let median = 0;
  while (median < histogram.length - 1 && (acc += histogram[median]) < count / 2) median++;
  return median / (MAD_TO_SIGMA * OPERATOR_NORM);
}
