/**
 * The local engine judged as a photographer would, one known fault per photo: the critique names
 * the fault (and no fault the control photo lacks), the first edit addresses it, and the rendered
 * edit measurably fixes it.
 */
import sharp from 'sharp';
import type { ImageEngine } from '../../../src/engine/ImageEngine';
import { createLocalEngine } from '../../../src/engine/local/createLocalEngine';
import { measureNoise } from '../../../src/engine/local/measureNoise';
import {
  brightChelsea,
  chelsea,
  chelseaWithExif,
  darkChelsea,
  kindOf,
  neutralScene,
  noisyChelsea,
  secondsOf,
  toPhoto,
} from './localTestImages';


/** Noise of an image as the engine measures it (grey copy, at most 1024 px). */
async function noiseOf(image: Buffer): Promise<number> {
  const { data, info } = await sharp(image)
    .resize(1024, 1024, { fit: 'inside', withoutEnlargement: true })
    .greyscale()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return measureNoise({ data, width: info.width, height: info.height });
}

describe('createLocalEngine faults', () => {
  let engine: ImageEngine;
  beforeEach(() => {
    engine = createLocalEngine();
  });
  afterEach(async () => {
    await engine.close();
  });

  it('calls a noisy photo grainy rather than crisp, proposes noise reduction first, and the render is less noisy', async () => {
    const [clean, noisy] = await Promise.all([chelsea().then(toPhoto), noisyChelsea().then(toPhoto)]);
    const [cleanAnalysis, noisyAnalysis] = await Promise.all([engine.analyzePhoto(clean, 4), engine.analyzePhoto(noisy, 4)]);
    expect(noisyAnalysis.issues.join(' ')).toMatch(/grain/);
    expect(noisyAnalysis.strengths.join(' ')).not.toMatch(/Crisp/);
    expect(noisyAnalysis.summary).not.toMatch(/crisp/);
    expect(noisyAnalysis.scores.sharpness).toBeLessThan(cleanAnalysis.scores.sharpness - 2);
    expect(noisyAnalysis.scores.overall).toBeLessThan(cleanAnalysis.scores.overall);
    // The clean control is not told it is grainy, nor offered noise reduction.
    expect(cleanAnalysis.issues.join(' ')).not.toMatch(/grain|noise/);
    expect(cleanAnalysis.suggestions.map(kindOf)).not.toContain('denoise');

    const fix = noisyAnalysis.suggestions[0];
    expect(kindOf(fix)).toBe('denoise');
    expect(noisyAnalysis.suggestions.map(kindOf)).not.toContain('sharpen');
    const image = await engine.generateImage(noisy, fix, { index: 1 });
    expect(await noiseOf(image.data)).toBeLessThan((await noiseOf(noisy.buffer)) / 2);
  });

  it('reads a grainy portrait as the portrait it is: same aperture and scene as the clean photo, not a landscape at f/8', async () => {
    const [clean, noisy] = await Promise.all([chelsea().then(toPhoto), noisyChelsea(12).then(toPhoto)]);
    const [cleanSettings, noisySettings] = await Promise.all([engine.recommendSettings(clean), engine.recommendSettings(noisy)]);
    expect(noisySettings.aperture).toBe(cleanSettings.aperture);
    expect(noisySettings.aperture).not.toBe('f/8');
  });

  it('offers exposure compensation as the auto-mode alternative to the corrected manual settings, not on top of them', async () => {
    const settings = await engine.recommendSettings(await toPhoto(await darkChelsea()));
    expect(settings.exposure_compensation).toMatch(/^\+/);
    expect(settings.reason).toContain(`In an auto mode, dial ${settings.exposure_compensation} instead.`);
    expect(settings.reason).not.toMatch(/, and dial/);
  });

  it('keeps a night shot on a long lens at the handheld shutter limit and says the light is still short', async () => {
    const night = await toPhoto(await chelseaWithExif({ fNumber: '28/10', exposure: '1/8', iso: '3200', focal: '200/1' }));
    const settings = await engine.recommendSettings(night);
    expect(secondsOf(settings.shutter_speed)).toBeLessThanOrEqual(1 / 200);
    expect(Number(settings.iso)).toBeLessThanOrEqual(12800);
    expect(settings.reason).toMatch(/still about 1\.\d stops too dark for this light: add light, or use a tripod/);
  });

  it('tells a photo that is only too dark that it is underexposed, not also flat and muted', async () => {
    const scene = await neutralScene();
    const [control, dark] = await Promise.all([
      engine.analyzePhoto(await toPhoto(scene), 4),
      engine.analyzePhoto(await toPhoto(await sharp(scene).linear(0.3, 0).png().toBuffer()), 4),
    ]);
    expect(control.strengths.join(' ')).toMatch(/Well exposed/);
    expect(control.issues.join(' ')).not.toMatch(/exposed|Flat|Muted|cast/);
    expect(dark.issues.join(' ')).toMatch(/Underexposed/);
    expect(dark.issues.join(' ')).not.toMatch(/Flat|Muted/);
    expect(dark.summary).not.toMatch(/flat|muted/);
    expect(kindOf(dark.suggestions[0])).toBe('exposure');
    expect(dark.suggestions.map(kindOf)).not.toContain('vibrance');
  });

  it('advises a phone only on shutter and ISO, keeping its fixed aperture, while a full-frame body gets an aperture for the scene', async () => {
    const shot = { fNumber: '16/10', exposure: '1/60', iso: '400' };
    const [phone, fullFrame] = await Promise.all([
      chelseaWithExif({ ...shot, focal: '6/1' }, { Make: 'Apple', Model: 'iPhone 15' }).then(toPhoto),
      chelseaWithExif({ ...shot, focal: '26/1' }, { Make: 'Nikon', Model: 'Nikon Z 6' }).then(toPhoto),
    ]);
    const [phoneSettings, fullFrameSettings] = await Promise.all([engine.recommendSettings(phone), engine.recommendSettings(fullFrame)]);
    expect(phoneSettings.aperture).toBe('f/1.6');
    expect(phoneSettings.reason).toContain("f/1.6 (the phone's fixed aperture");
    expect(phoneSettings.reason).not.toMatch(/shallow depth of field/);
    // The same light: a 26 mm-equivalent phone and a 26 mm lens get the same handheld limit.
    expect(secondsOf(phoneSettings.shutter_speed)).toBeLessThanOrEqual(1 / 26);
    expect(secondsOf(fullFrameSettings.shutter_speed)).toBeLessThanOrEqual(1 / 26);
    expect(fullFrameSettings.aperture).not.toBe('f/1.6');
    expect(fullFrameSettings.reason).not.toMatch(/phone/);
  });

  it('words a blown-out photo by what is clipped: no "0% crushed", and no promise to restore pure white', async () => {
    const analysis = await engine.analyzePhoto(await toPhoto(await brightChelsea()), 8);
    expect((analysis.metrics as { tone: { shadowClipping: number } }).tone.shadowClipping).toBeLessThan(0.005);
    const local = analysis.suggestions.find((s) => kindOf(s) === 'local_contrast')!;
    expect(local.title).toBe('Tone-map the bright highlights');
    expect(local.description).toMatch(/^Of the frame, \d+% is blown to white;/);
    expect(local.description).not.toMatch(/crushed/);
    const exposure = analysis.suggestions.find((s) => kindOf(s) === 'exposure')!;
    expect(exposure.description).toMatch(/pure white has none left to recover/);
  });

  it('neutralises warm tungsten, green fluorescent and blue shade casts toward grey, and advises the white balance that would have', async () => {
    const scene = await neutralScene();
    const casts = {
      tungsten: [[1.15, 0, 0], [0, 0.95, 0], [0, 0, 0.6]],
      fluorescent: [[0.85, 0, 0], [0, 1.1, 0], [0, 0, 0.85]],
      shade: [[0.8, 0, 0], [0, 0.95, 0], [0, 0, 1.2]],
    };
    /** Red − blue and green − magenta of the mean colour, over its mean (the cast's direction and size). */
    const castOf = async (image: Buffer) => {
      const [r, g, b] = (await sharp(image).stats()).channels.map((c) => c.mean);
      const mean = (r + g + b) / 3;
      return { warm: (r - b) / mean, green: (g - (r + b) / 2) / mean };
    };
    for (const [name, matrix] of Object.entries(casts)) {
      const photo = await toPhoto(await sharp(scene).recomb(matrix as [[number, number, number], [number, number, number], [number, number, number]]).png().toBuffer());
      const [settings, analysis] = await Promise.all([engine.recommendSettings(photo), engine.analyzePhoto(photo, 8)]);
      const fix = analysis.suggestions[0];
      expect([name, kindOf(fix)]).toEqual([name, 'white_balance']);
      const before = await castOf(photo.buffer);
      const after = await castOf((await engine.generateImage(photo, fix, { index: 1 })).data);
      expect(Math.hypot(after.warm, after.green)).toBeLessThan(Math.hypot(before.warm, before.green) / 2);
      const kelvin = Number(/(\d{4,5})K/.exec(settings.white_balance)?.[1] ?? 5500);
      const grade = analysis.suggestions.find((s) => kindOf(s) === 'colour_grade');
      if (name === 'tungsten') {
        expect(kelvin).toBeLessThan(4500);
        // A warm photo is never graded warmer still.
        expect(grade?.title ?? 'no grade').not.toMatch(/Warm/);
      }
      if (name === 'fluorescent') expect(settings.white_balance).toMatch(/tint toward magenta/);
      if (name === 'shade') expect(kelvin).toBeGreaterThan(6500);
    }
  });
});
