/**
 * Catalogue entries that change colour. Every one of them except sepia toning is meaningless on
 * a photo that is already grayscale, and says so with a negative relevance.
 */
import { recipe, type EditDefinition } from './EditDefinition';
import { pct } from './pct';
import type { PhotoMetrics } from './PhotoMetrics';
import { clamp, round } from './round';
import { describeCast } from './scorePhoto';
import { underexposureGain } from './exposureAnalysis';

/** How strongly a cast shows, weighting green–magenta more: the eye forgives warmth sooner. */
function castStrength(m: PhotoMetrics): number {
  return Math.max(Math.abs(m.colour.castWarm) * 0.8, Math.abs(m.colour.castGreen) * 1.6);
}

export const whiteBalanceEdit: EditDefinition = {
  kind: 'white_balance',
  keywords: ['white balance', 'colour cast', 'color cast', 'neutral', 'cast'],
  relevance: ({ metrics }) => {
    if (metrics.colour.isGrayscale || castStrength(metrics) < 0.07) return -1;
    return clamp(castStrength(metrics) / 0.3, 0, 1) * 0.95;
  },
  plan: ({ metrics }) => {
    const { castWarm, castGreen, neutralGains } = metrics.colour;
    // 85 % of the grey-world correction: a trace of the original light keeps the mood.
    const partial = neutralGains.map((g) => g ** 0.85);
    const luma = 0.2126 * partial[0] + 0.7152 * partial[1] + 0.0722 * partial[2];
    const gains = partial.map((g) => round(g / luma, 4)) as [number, number, number];
    const cast = (describeCast(castWarm, castGreen) ?? 'Slight').toLowerCase();
    return {
      title: `Neutralise the ${cast} colour cast`,
      description: `Neutral tones measure red−blue ${castWarm.toFixed(2)} and green−magenta ${castGreen.toFixed(2)} off grey; correcting the white balance restores natural skin, sky and whites.`,
      instruction: `Scale the red, green and blue channels by ${gains.map((g) => g.toFixed(2)).join(', ')} so neutral surfaces render grey.`,
      recipe: recipe('white_balance', { tone: { gains } }),
    };
  },
};

export const vibranceEdit: EditDefinition = {
  kind: 'vibrance',
  keywords: ['vibrance', 'saturation', 'saturate', 'vivid', 'colourful', 'colorful'],
  relevance: ({ metrics, exposure }) => {
    if (metrics.colour.isGrayscale) return -1;
    // A dark photo's colours come back with its exposure; saturation is not what it lacks.
    const cf = metrics.colour.colourfulness * underexposureGain(metrics, exposure);
    if (cf < 30) return 0.1 + ((30 - cf) / 30) * 0.7;
    if (cf > 90) return clamp((cf - 90) / 40, 0, 1) * 0.8;
    return 0.08;
  },
  plan: ({ metrics }) => {
    const cf = metrics.colour.colourfulness;
    if (cf > 90) {
      return {
        title: 'Tone down the oversaturated colour',
        description: `Colourfulness measures ${Math.round(cf)}, past the point where hues look natural and fine gradations clip.`,
        instruction: 'Reduce saturation by 20%.',
        recipe: recipe('vibrance', { colour: { saturation: 0.8 } }),
      };
    }
    const boost = round(1 + clamp((50 - cf) / 50, 0.2, 0.5), 3);
    return {
      title: cf < 30 ? 'Boost the muted colours' : 'Enrich the colours',
      description: `Colourfulness measures ${Math.round(cf)} (mean saturation ${pct(metrics.colour.saturationMean)}); richer colour gives the picture more life.`,
      instruction: `Increase saturation by ${Math.round((boost - 1) * 100)}%.`,
      recipe: recipe('vibrance', { colour: { saturation: boost } }),
    };
  },
};

export const blackAndWhiteEdit: EditDefinition = {
  kind: 'black_and_white',
  keywords: ['black and white', 'black-and-white', 'monochrome', 'b&w', 'grayscale', 'greyscale'],
  relevance: ({ metrics }) => {
    const { isGrayscale, colourfulness } = metrics.colour;
    if (isGrayscale) return -1;
    return Math.min(0.7, 0.12 + (colourfulness < 15 ? 0.35 : 0) + clamp(castStrength(metrics) - 0.25, 0, 0.3));
  },
  plan: ({ metrics }) => {
    const [r, , b] = metrics.colour.channelMeans;
    // A red filter darkens blue skies; a warm scene reads best with red and green weighted up.
    const blueHeavy = b > r + 0.03;
    const mono: [number, number, number] = blueHeavy ? [0.5, 0.45, 0.05] : [0.35, 0.55, 0.1];
    const { p01, p99 } = metrics.tone;
    const blackPoint = round(clamp(p01, 0, 0.2), 3);
    const whitePoint = round(clamp(p99 + 0.02, Math.max(0.7, blackPoint + 0.2), 1), 3);
    return {
      title: 'Convert to punchy black and white',
      description: `Without colour the eye goes to shape and light; ${blueHeavy ? 'a red-filter mix darkens the blue areas for drama' : 'a warm channel mix keeps skin and warm tones luminous'}.`,
      instruction: `Convert to monochrome with a ${mono.map((v) => pct(v)).join(' / ')} red/green/blue mix, set levels ${pct(blackPoint)}–${pct(whitePoint)} and add an S-curve.`,
      recipe: recipe('black_and_white', { tone: { blackPoint, whitePoint, curve: 0.35 }, colour: { mono } }),
    };
  },
};

export const colourGradeEdit: EditDefinition = {
  kind: 'colour_grade',
  keywords: ['grade', 'warm', 'cool', 'golden', 'cinematic', 'mood'],
  relevance: ({ metrics }) => (metrics.colour.isGrayscale ? -1 : 0.1),
  plan: ({ metrics }) => {
    const warmAlready = metrics.colour.castWarm >= 0.1;
    return warmAlready
      ? {
          title: 'Cool cinematic colour grade',
          description: 'The scene is already warm; a cool grade with a touch of contrast gives it a calm, cinematic feel.',
          instruction: 'Shift the balance toward blue (red −8%, blue +7%) and add a light S-curve.',
          recipe: recipe('colour_grade', { tone: { curve: 0.15 }, colour: { tint: [0.92, 0.99, 1.07] } }),
        }
      : {
          title: 'Warm golden-hour colour grade',
          description: 'A warm grade flatters skin and light and makes the scene feel like late-afternoon sun.',
          instruction: 'Shift the balance toward amber (red +6%, blue −10%) and add a light S-curve.',
          recipe: recipe('colour_grade', { tone: { curve: 0.15 }, colour: { tint: [1.06, 1, 0.9] } }),
        };
  },
};

export const sepiaEdit: EditDefinition = {
  kind: 'sepia',
  keywords: ['sepia', 'toning', 'toned', 'antique'],
  // Toning is a darkroom finish for monochrome prints; a colour photo has better options.
  relevance: ({ metrics }) => (metrics.colour.isGrayscale ? 0.2 : -1),
  plan: () => ({
    title: 'Add a warm sepia tone',
    description: 'Classic sepia toning warms the greys and gives a monochrome print depth and age.',
    instruction: 'Tone the monochrome image toward warm brown (red +7%, blue −18%) with a light S-curve.',
    recipe: recipe('sepia', {
      tone: { curve: 0.15 },
      colour: { mono: [0.2126, 0.7152, 0.0722], tint: [1.07, 0.98, 0.82] },
    }),
  }),
};
