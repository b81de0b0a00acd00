/**
 * Catalogue entries about where the eye goes: reframing, sharpening, noise reduction, vignetting.
 */
import { recipe, type EditDefinition } from './EditDefinition';
import { pct } from './pct';
import { clamp, round } from './round';
import { isFeatureless, lacksTexture } from './isFeatureless';
import { VISIBLE_NOISE } from './measureNoise';

/** Share of the frame kept by a reframe (each dimension). */
const REFRAME_SCALE = 0.75;
const TIGHTEN_SCALE = 0.82;

export const reframeEdit: EditDefinition = {
  kind: 'reframe',
  keywords: ['crop', 'reframe', 'framing', 'thirds', 'composition'],
  relevance: ({ metrics }) => {
    // No subject to place: only a last-resort filler.
    if (isFeatureless(metrics)) return 0;
    const { thirdsDistance, edgeMargin } = metrics.subject;
    return Math.min(1, 0.1 + clamp((thirdsDistance - 0.06) / 0.2, 0, 1) * 0.75 + (edgeMargin < 0.08 ? 0.3 : 0));
  },
  plan: ({ metrics }) => {
    const { x, y, thirdsDistance } = metrics.subject;
    const onThird = thirdsDistance <= 0.06;
    const scale = onThird ? TIGHTEN_SCALE : REFRAME_SCALE;
    // Put the subject on the thirds point on its own side of the frame (ties go left / up).
    const tx = x <= 0.5 ? 1 / 3 : 2 / 3;
    const ty = y <= 0.5 ? 1 / 3 : 2 / 3;
    const left = round(clamp(x - tx * scale, 0, 1 - scale), 4);
    const top = round(clamp(y - ty * scale, 0, 1 - scale), 4);
    const crop = { left, top, width: scale, height: scale };
    return {
      title: onThird ? 'Tighten the framing around the subject' : 'Reframe the subject on a third',
      description: onThird
        ? `The subject already sits near a thirds point (${pct(x)} across, ${pct(y)} down); a tighter crop removes distractions around it.`
        : `The point of interest is at ${pct(x)} across and ${pct(y)} down, ${pct(thirdsDistance)} of the frame away from the nearest thirds point; placing it on a third makes the frame more dynamic.`,
      instruction: `Crop to ${pct(scale)} of the width and height starting ${pct(left)} from the left and ${pct(top)} from the top, keeping the aspect ratio.`,
      recipe: recipe('reframe', { crop }),
    };
  },
};

export const sharpenEdit: EditDefinition = {
  kind: 'sharpen',
  keywords: ['sharpen', 'sharpness', 'focus', 'blur', 'blurry', 'crisp'],
  relevance: ({ metrics }) =>
    // Sharpening grain makes it worse: noise reduction comes first there.
    lacksTexture(metrics) || metrics.sharpness.noise >= VISIBLE_NOISE
      ? 0
      : 0.06 + clamp((metrics.sharpness.blurIndex - 0.32) / 0.3, 0, 1) * 0.9,
  plan: ({ metrics }) => {
    const b = metrics.sharpness.blurIndex;
    const soft = b >= 0.45;
    // Wider blur needs a wider mask to rebuild its edges.
    const sigma = soft ? round(clamp(1 + (b - 0.45) * 6, 1.5, 3), 2) : 1.2;
    const amount = round(clamp((b - 0.2) * 8, 1.5, 4), 2);
    return {
      title: soft ? 'Sharpen the soft detail' : 'Crisp up fine detail',
      description: soft
        ? `The blur index is ${b.toFixed(2)} (crisp photos measure about 0.3); sharpening recovers edge definition lost to focus or motion.`
        : `Detail is already decent (blur index ${b.toFixed(2)}); a light unsharp mask makes textures pop.`,
      instruction: `Apply an unsharp mask with radius ${sigma} px and amount ${amount}.`,
      recipe: recipe('sharpen', { sharpen: { sigma, amount } }),
    };
  },
};

/** Grain (σ) below which there is nothing to smooth. */
const CLEAN_NOISE = 2.5;

export const denoiseEdit: EditDefinition = {
  kind: 'denoise',
  keywords: ['noise', 'denoise', 'grain', 'grainy'],
  relevance: ({ metrics }) => {
    const { noise } = metrics.sharpness;
    return noise < CLEAN_NOISE ? -1 : 0.1 + clamp((noise - CLEAN_NOISE) / 5, 0, 1) * 0.85;
  },
  plan: ({ metrics }) => {
    const { noise } = metrics.sharpness;
    const radius = noise >= 7 ? 2 : 1;
    const size = 2 * radius + 1;
    return {
      title: 'Reduce the grain',
      description: `Sensor noise measures ${noise.toFixed(1)} (a clean photo measures about 1) and shows as grain over smooth areas; a median filter smooths it while keeping edges.`,
      instruction: `Apply a ${size} × ${size} px median filter to smooth the grain without blurring edges.`,
      recipe: recipe('denoise', { denoise: { radius } }),
    };
  },
};

export const vignetteEdit: EditDefinition = {
  kind: 'vignette',
  keywords: ['vignette', 'corners', 'draw the eye'],
  relevance: ({ metrics }) =>
    isFeatureless(metrics) ? 0 : 0.15 + clamp((metrics.tone.edgeMean - metrics.tone.centreMean) / 0.15, 0, 1) * 0.4,
  plan: ({ metrics }) => {
    const { edgeMean, centreMean } = metrics.tone;
    const brightEdges = edgeMean > centreMean + 0.02;
    const strength = brightEdges ? 0.55 : 0.45;
    return {
      title: 'Add a vignette to draw the eye',
      description: brightEdges
        ? `The edges (${pct(edgeMean)} brightness) outshine the centre (${pct(centreMean)}) and pull attention away from the subject.`
        : 'Darkening the corners gently keeps the eye inside the frame and on the subject.',
      instruction: `Darken the corners by up to ${pct(strength)} with a soft radial falloff centred on the subject.`,
      recipe: recipe('vignette', {
        vignette: { strength, x: round(metrics.subject.x, 3), y: round(metrics.subject.y, 3) },
      }),
    };
  },
};
