/**
 * Tone edits as lookup tables: one pass per render. Exposure and white-balance gains act on each
 * channel (as the camera would have); levels, gamma, S-curve and matte lift act on luma and
 * scale the pixel's channels together, so contrast changes do not shift hue or inflate saturation.
 */
import type { ToneRecipe } from './editRecipe';
import { toGamma, toLinear } from './srgb';

/** Where the highlight roll-off starts (linear light) when exposure is raised. */
const SHOULDER_KNEE = 0.6;

export interface ToneLuts {
  /** Entry `c * 256 + v`: new value of channel c for input v; undefined when the identity. */
  channel?: Uint8Array;
  /** Entry `y`: new luma (0..255, fractional) for luma y; undefined when the identity. */
  luma?: Float32Array;
}

/** The lookup tables for `tone`. */
export function buildToneLuts(tone: ToneRecipe): ToneLuts {
  const luts: ToneLuts = {};
  const gain = 2 ** (tone.exposureEv ?? 0);
  const gains = tone.gains ?? [1, 1, 1];
  if (gain !== 1 || gains.some((g) => g !== 1)) {
    const channel = new Uint8Array(3 * 256);
    for (let c = 0; c < 3; c++) {
      for (let v = 0; v < 256; v++) {
        let x = v / 255;
        if (gain !== 1) {
          let lin = toLinear(x) * gain;
          if (gain > 1) lin = shoulder(lin);
          x = toGamma(Math.min(1, lin));
        }
        // Fade the gains out toward white so clipped highlights stay neutral instead of tinted.
        const protect = smoothstep(0.8, 1, x);
        channel[c * 256 + v] = Math.round(clamp01(x * (gains[c] + (1 - gains[c]) * protect)) * 255);
      }
    }
    luts.channel = channel;
  }
  const black = tone.blackPoint ?? 0;
  const white = tone.whitePoint ?? 1;
  const gamma = tone.gamma ?? 1;
  const curve = tone.curve ?? 0;
  const lift = tone.lift ?? 0;
  if (black !== 0 || white !== 1 || gamma !== 1 || curve !== 0 || lift !== 0) {
    const luma = new Float32Array(256);
    for (let v = 0; v < 256; v++) {
      let x = clamp01((v / 255 - black) / (white - black));
      if (gamma !== 1) x = x ** (1 / gamma);
      // y = x − c·sin(2πx)/2π: slope 1 + c at mid-grey, 1 − c at the ends; monotonic for |c| ≤ 1.
      if (curve !== 0) x -= (curve * Math.sin(2 * Math.PI * x)) / (2 * Math.PI);
      luma[v] = (lift + (1 - lift) * clamp01(x)) * 255;
    }
    luts.luma = luma;
  }
  return luts;
}

/** Applies `luts` to interleaved 8-bit RGB `data` in place. */
export function applyToneLuts(data: Buffer, luts: ToneLuts): void {
  const { channel, luma } = luts;
  if (!channel && !luma) return;
  for (let i = 0; i + 2 < data.length; i += 3) {
    let r = data[i];
    let g = data[i + 1];
    let b = data[i + 2];
    if (channel) {
      r = channel[r];
      g = channel[256 + g];
      b = channel[512 + b];
    }
    if (luma) {
      const y = 0.2126 * r + 0.7152 * g + 0.0722 * b;
      const target = luma[Math.round(y)];
      if (y < 0.5) {
        r = g = b = target;
      } else {
        const k = target / y;
        r *= k;
        g *= k;
        b *= k;
      }
    }
    data[i] = r > 255 ? 255 : Math.round(r);
    data[i + 1] = g > 255 ? 255 : Math.round(g);
    data[i + 2] = b > 255 ? 255 : Math.round(b);
  }
}

/** Smooth highlight roll-off above the knee, so brightening does not slam into clipping. */
function shoulder(lin: number): number {
  if (lin <= SHOULDER_KNEE) return lin;
  const room = 1 - SHOULDER_KNEE;
  return SHOULDER_KNEE + room * (1 - Math.exp(-(lin - SHOULDER_KNEE) / room));
}

function smoothstep(edge0: number, edge1: number, x: number): number {
  const t = clamp01((x - edge0) / (edge1 - edge0));
  return t * t * (3 - 2 * t);
}

function clamp01(x: number): number {
  return x < 0 ? 0 : x > 1 ? 1 : x;
}
