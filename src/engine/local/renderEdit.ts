/**
 * Renders one recipe from the shared decoded copy: geometry (crop, resize) and noise reduction in sharp, tone in one
 * lookup-table pass, local contrast on luma, then colour matrix, sharpening and vignette in sharp,
 * encoded as JPEG.
 */
import sharp from 'sharp';
import type { GeneratedImage } from '../ImageEngine';
import { buildColourMatrix } from './colourMatrix';
import { sharpFromBase, type BaseImage } from './decodeBase';
import type { EditRecipe } from './editRecipe';
import { applyLocalContrast } from './localContrast';
import { applyToneLuts, buildToneLuts } from './toneLut';
import { vignetteOverlay } from './vignetteOverlay';

export interface RenderOptions {
  /** Long edge of the output; never enlarged beyond the working copy. */
  maxEdge: number;
  quality: number;
}

/** The JPEG that `recipe` makes of `base`. */
export async function renderEdit(base: BaseImage, recipe: EditRecipe, options: RenderOptions): Promise<GeneratedImage> {
  let geometry = sharpFromBase(base);
  if (recipe.crop) geometry = geometry.extract(cropRegion(base, recipe.crop));
  geometry = geometry.resize({ width: options.maxEdge, height: options.maxEdge, fit: 'inside', withoutEnlargement: true });
  if (recipe.denoise) geometry = geometry.median(2 * recipe.denoise.radius + 1);
  const { data, info } = await geometry
    .raw()
    .toBuffer({ resolveWithObject: true });
  const { width, height } = info;

  if (recipe.tone) applyToneLuts(data, buildToneLuts(recipe.tone));
  if (recipe.localContrast) {
    const tile = Math.max(8, Math.round(recipe.localContrast.tile * Math.max(width, height)));
    await applyLocalContrast(data, width, height, { tile, maxSlope: recipe.localContrast.maxSlope });
  }

  let finish = sharp(data, { raw: { width, height, channels: 3 } });
  const matrix = recipe.colour ? buildColourMatrix(recipe.colour) : undefined;
  if (matrix) finish = finish.recomb(matrix);
  if (recipe.sharpen) {
    const { sigma, amount } = recipe.sharpen;
    // sharp caps the brightening/darkening an edge may get (y2, y3); raise the caps with the amount.
    const cap = Math.min(50, Math.max(10, Math.round(10 * amount)));
    finish = finish.sharpen({ sigma, m1: amount / 2, m2: amount, y2: cap, y3: cap });
  }
  if (recipe.vignette) {
    const { strength, x, y } = recipe.vignette;
    finish = finish.composite([{ input: vignetteOverlay(width, height, strength, x, y), blend: 'over' }]);
  }
  const jpeg = await finish.jpeg({ quality: options.quality, mozjpeg: false }).toBuffer();
  return { data: jpeg, mimeType: 'image/jpeg', width, height };
}

/** Crop fractions → whole pixels inside the frame, at least 1 × 1. */
function cropRegion(base: BaseImage, crop: NonNullable<EditRecipe['crop']>) {
  const left = Math.min(base.width - 1, Math.max(0, Math.round(crop.left * base.width)));
  const top = Math.min(base.height - 1, Math.max(0, Math.round(crop.top * base.height)));
  const width = Math.max(1, Math.min(base.width - left, Math.round(crop.width * base.width)));
  const height = Math.max(1, Math.min(base.height - top, Math.round(crop.height * base.height)));
  return { left, top, width, height };
}
