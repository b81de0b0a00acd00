/**
 * What the local engine measures about a photo. Everything downstream (settings, scores,
 * edit ranking, recipes) is a pure function of these numbers and the EXIF summary.
 * Brightness values are 0..1 fractions of full scale in the sRGB (gamma-encoded) domain.
 */
export interface TonalMetrics {
  mean: number;
  median: number;
  p01: number;
  p05: number;
  p95: number;
  p99: number;
  /** RMS contrast: standard deviation of luma. */
  rmsContrast: number;
  /** p99 − p01. */
  dynamicRange: number;
  /** Fraction of pixels crushed to black / blown to white. */
  shadowClipping: number;
  highlightClipping: number;
  /** Mean luma of the outer border band and of the central region. */
  edgeMean: number;
  centreMean: number;
  /** 16-bin luma histogram, fractions summing to 1 (for display and transparency). */
  histogram: number[];
}

export interface ColourMetrics {
  /** Mean HSV saturation, 0..1. */
  saturationMean: number;
  /** Hasler–Süsstrunk colourfulness (0 grey … ~110 extremely colourful). */
  colourfulness: number;
  /** Cast estimated on the less chromatic half of mid-tone pixels, relative to their mean:
   *  red − blue (positive = warm, negative = cool) and green − magenta (positive = green). */
  castWarm: number;
  castGreen: number;
  /** Gains (R, G, B) that would neutralise the cast (grey world on near-neutral pixels). */
  neutralGains: [number, number, number];
  channelMeans: [number, number, number];
  isGrayscale: boolean;
}

export interface SharpnessMetrics {
  /** Variance of the 4-neighbour Laplacian on the ≤1024 px grey copy (0..255 scale). */
  laplacianVariance: number;
  /** Crété et al. no-reference blur estimate: 0 crisp … 1 very blurred. */
  blurIndex: number;
  /** Mean gradient magnitude (0..255 scale). */
  meanGradient: number;
  /** Detail of the busiest tenth of the frame over the quietest tenth (8 × 8 grid). High when
   *  a sharp subject stands against a smooth or defocused background. */
  detailSpread: number;
  /** Detail of the top quarter over the bottom half: low for smooth sky above textured ground. */
  upperDetailRatio: number;
  /** Estimated grain (noise standard deviation, 0..255 scale); ~1 for a clean photo. */
  noise: number;
}

export interface SubjectMetrics {
  /** Centre of attention (sharp's attention strategy), as fractions of width and height. */
  x: number;
  y: number;
  /** Distance to the nearest rule-of-thirds point / to the frame centre, in frame fractions. */
  thirdsDistance: number;
  centreDistance: number;
  /** Distance from the subject to the nearest frame edge, in frame fractions. */
  edgeMargin: number;
  /** Detail around the subject relative to the frame's median detail (> 1.5 suggests an
   *  isolated subject, e.g. shallow depth of field). */
  isolation: number;
}

export interface PhotoMetrics {
  /** Size of the measured working copy and the aspect ratio (width / height). */
  width: number;
  height: number;
  aspect: number;
  tone: TonalMetrics;
  colour: ColourMetrics;
  sharpness: SharpnessMetrics;
  subject: SubjectMetrics;
}
