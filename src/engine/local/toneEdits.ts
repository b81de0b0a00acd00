/**
 * Catalogue entries that change tone: exposure, global contrast, local contrast, matte fade.
 */
import { formatEv, snapEv } from './exposureScales';
import { lacksTexture } from './isFeatureless';
import { TARGET_MEDIAN } from './exposureAnalysis';
import { recipe, type EditDefinition } from './EditDefinition';
import { pct } from './pct';
import { clamp, round } from './round';
import { toGamma, toLinear } from './srgb';

export const exposureEdit: EditDefinition = {
  kind: 'exposure',
  keywords: ['exposure', 'brighten', 'darken', 'underexposed', 'overexposed', 'lighten'],
  relevance: ({ metrics, exposure }) =>
    Math.min(
      1,
      0.05 +
        clamp(Math.abs(exposure.correctionEv) / 1.5, 0, 1) * 0.95 +
        3 * Math.max(metrics.tone.highlightClipping, metrics.tone.shadowClipping),
    ),
  plan: ({ metrics, exposure }) => {
    const { median, highlightClipping } = metrics.tone;
    const ev = snapEv(exposure.correctionEv);
    if (Math.abs(ev) < 1 / 3) {
      // Nothing to fix: a visible third-of-a-stop nudge toward mid grey, described as such.
      const nudge = median < TARGET_MEDIAN ? 1 / 3 : -1 / 3;
      return {
        title: `Fine-tune the exposure ${formatEv(nudge)}`,
        description: `Exposure is already close to balanced (median brightness ${pct(median)}); a third of a stop ${nudge > 0 ? 'brighter opens the mid-tones' : 'darker deepens the tones'} slightly.`,
        instruction: `${nudge > 0 ? 'Raise' : 'Lower'} exposure by a third of a stop, protecting the highlights.`,
        recipe: recipe('exposure', { tone: { exposureEv: round(nudge, 3) } }),
      };
    }
    const amount = formatEv(ev);
    if (ev > 0) {
      return {
        title: `Brighten the exposure ${amount}`,
        description: `Median brightness is ${pct(median)}, below the ~46% a balanced exposure sits at, so the subject and shadow detail are hidden.`,
        instruction: `Raise exposure by ${amount} with a soft highlight roll-off so bright areas keep their detail.`,
        recipe: recipe('exposure', { tone: { exposureEv: round(ev, 3) } }),
      };
    }
    const blown = highlightClipping >= 0.02;
    // A blown frame usually lacks real blacks as well; after darkening, set the darkest 1 % near black.
    const blackPoint = blown ? round(clamp(toGamma(toLinear(metrics.tone.p01) * 2 ** ev) - 0.02, 0, 0.15), 3) : 0;
    return {
      title: blown ? 'Recover the blown highlights' : `Darken the exposure ${amount}`,
      description: blown
        ? `${pct(highlightClipping)} of the frame is pure white and the median sits at ${pct(median)}; pulling exposure down restores texture in the near-white areas, though pure white has none left to recover.`
        : `Median brightness is ${pct(median)}, above the ~46% of a balanced exposure, which washes out colour and texture.`,
      instruction: blown
        ? `Lower exposure by ${formatEv(-ev).replace('+', '')}, set the black point to ${pct(blackPoint)} and lift the mid-tones slightly so the image keeps its depth.`
        : `Lower exposure by ${formatEv(-ev).replace('+', '')} and lift the mid-tones slightly so the shadows stay open.`,
      recipe: recipe('exposure', {
        tone: { exposureEv: round(ev, 3), gamma: blown ? 1.1 : 1.05, ...(blackPoint > 0 ? { blackPoint } : {}) },
      }),
    };
  },
};

export const contrastEdit: EditDefinition = {
  kind: 'contrast',
  keywords: ['contrast', 'punch', 'levels', 'curve', 'flat', 'tonal'],
  relevance: ({ metrics, exposure }) => {
    const { rmsContrast: c, dynamicRange } = metrics.tone;
    if (c > 0.3) return clamp((c - 0.27) / 0.1, 0, 1) * 0.8;
    const flatness = clamp((0.2 - c) / 0.12, 0, 1) * 0.8 + clamp((0.55 - dynamicRange) / 0.35, 0, 1) * 0.3;
    // Badly exposed photos look flat too; the exposure fix comes first there.
    const exposureShare = clamp(Math.abs(exposure.correctionEv) / 3, 0, 0.5);
    return Math.min(0.95, 0.1 + flatness * (1 - exposureShare));
  },
  plan: ({ metrics }) => {
    const { rmsContrast: c, p01, p99, dynamicRange } = metrics.tone;
    if (c > 0.3) {
      return {
        title: 'Soften the harsh contrast',
        description: `RMS contrast is ${c.toFixed(2)}, high enough that shadows and highlights lose detail.`,
        instruction: 'Apply a gentle inverse S-curve to pull highlights down and open the shadows.',
        recipe: recipe('contrast', { tone: { curve: -0.35 } }),
      };
    }
    // Stretch only what is unused, keeping a little margin at each end; a near-uniform frame
    // has no range to stretch (it would turn into a posterised mess), so it only gets the curve.
    const stretch = dynamicRange >= 0.1;
    const blackPoint = stretch ? round(clamp(p01 - 0.01, 0, 0.3), 3) : 0;
    const whitePoint = stretch ? round(clamp(p99 + 0.01, blackPoint + 0.15, 1), 3) : 1;
    const curve = round(clamp((0.24 - c) / 0.15, 0.2, 0.6), 3);
    return {
      title: dynamicRange < 0.6 ? 'Stretch the tones and add punch' : 'Add punch with an S-curve',
      description: `Tones span ${pct(dynamicRange)} of the range with RMS contrast ${c.toFixed(2)}, so the picture looks flat.`,
      instruction: `Set levels to black ${pct(blackPoint)} and white ${pct(whitePoint)}, then apply an S-curve of strength ${curve.toFixed(2)}.`,
      recipe: recipe('contrast', { tone: { blackPoint, whitePoint, curve } }),
    };
  },
};

export const localContrastEdit: EditDefinition = {
  kind: 'local_contrast',
  keywords: ['shadows', 'highlights', 'hdr', 'local contrast', 'clarity', 'detail'],
  relevance: ({ metrics }) => {
    const { shadowClipping, highlightClipping, dynamicRange } = metrics.tone;
    // Textureless frames have no local detail to bring out: keep it as a last-resort filler.
    if (lacksTexture(metrics)) return 0;
    return Math.min(0.9, 0.1 + 3 * (shadowClipping + highlightClipping) + (dynamicRange > 0.85 ? 0.2 : 0));
  },
  plan: ({ metrics }) => {
    const { shadowClipping, highlightClipping } = metrics.tone;
    const clipped = shadowClipping + highlightClipping >= 0.02;
    // Name only the ends that are clipped (at least 1 % once rounded), never "0% crushed".
    const crushed = shadowClipping >= 0.005;
    const blown = highlightClipping >= 0.005;
    const ends = [
      ...(crushed ? [`${pct(shadowClipping)} is crushed to black`] : []),
      ...(blown ? [`${pct(highlightClipping)}${crushed ? '' : ' is'} blown to white`] : []),
    ];
    return {
      title: !clipped
        ? 'Bring out local detail'
        : crushed && blown
          ? 'Open the shadows, tame the highlights'
          : crushed
            ? 'Open the crushed shadows'
            : 'Tone-map the bright highlights',
      description: clipped
        ? `Of the frame, ${ends.join(' and ')}; local tone mapping recovers the separation a single curve cannot.`
        : 'Local contrast enhancement lifts texture in each region without changing the overall exposure.',
      instruction:
        'Apply contrast-limited adaptive histogram equalisation to luminance with tiles about a tenth of the frame, then a wide-radius clarity boost.',
      recipe: recipe('local_contrast', { localContrast: { tile: 0.1, maxSlope: 4 }, sharpen: { sigma: 8, amount: 1 } }),
    };
  },
};

export const matteEdit: EditDefinition = {
  kind: 'matte',
  keywords: ['matte', 'fade', 'film', 'faded', 'vintage'],
  relevance: ({ metrics }) => (metrics.tone.rmsContrast > 0.28 ? 0.2 : 0.05),
  plan: ({ metrics }) => ({
    title: 'Soft matte film look',
    description: `Lifting the blacks to a soft grey and easing saturation gives a calm, printed-film mood${metrics.tone.rmsContrast > 0.28 ? ' and relaxes the strong contrast' : ''}.`,
    instruction: 'Raise the black point of the output to about 8%, add a light S-curve and reduce saturation by 15%.',
    recipe: recipe('matte', { tone: { lift: 0.08, curve: 0.15 }, colour: { saturation: 0.85 } }),
  }),
};
