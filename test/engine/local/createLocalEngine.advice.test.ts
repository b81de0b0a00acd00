/**
 * The local engine's advice follows what it measures: exposure, grayscale, blur, colour cast,
 * framing and the photo's own EXIF each move the settings, the critique and the edits.
 */
import sharp from 'sharp';
import type { Analysis } from '../../../src/domain/schemas';
import type { ImageEngine } from '../../../src/engine/ImageEngine';
import { createLocalEngine } from '../../../src/engine/local/createLocalEngine';
import {
  blueChelsea,
  blurredChelsea,
  brightChelsea,
  chelsea,
  chelseaWithExif,
  darkChelsea,
  greyChelsea,
  meanChroma,
  subjectAt,
  kindOf,
  secondsOf,
  toPhoto,
} from './localTestImages';

const evOf = (ec: string) => (ec === '0 EV' ? 0 : Number.parseFloat(ec));
const isoOf = (iso: string) => Number(iso);

describe('createLocalEngine advice', () => {
  let engine: ImageEngine;
  beforeEach(() => {
    engine = createLocalEngine();
  });
  afterEach(async () => {
    await engine.close();
  });

  it('advises more exposure for a dark photo and less for a bright one', async () => {
    const [dark, bright] = await Promise.all([darkChelsea().then(toPhoto), brightChelsea().then(toPhoto)]);
    const [darkSettings, brightSettings] = await Promise.all([engine.recommendSettings(dark), engine.recommendSettings(bright)]);
    expect(evOf(darkSettings.exposure_compensation)).toBeGreaterThan(0);
    expect(evOf(brightSettings.exposure_compensation)).toBeLessThan(0);
    // Dim light needs more sensitivity or more time per frame.
    const sensitivity = (s: typeof darkSettings) => isoOf(s.iso) * secondsOf(s.shutter_speed);
    expect(sensitivity(darkSettings)).toBeGreaterThan(sensitivity(brightSettings) * 4);
    expect(isoOf(darkSettings.iso)).toBeGreaterThan(isoOf(brightSettings.iso));

    const [darkAnalysis, brightAnalysis] = await Promise.all([engine.analyzePhoto(dark, 4), engine.analyzePhoto(bright, 4)]);
    const exposureEdit = (a: Analysis) => a.suggestions.find((s) => kindOf(s) === 'exposure')!;
    expect(kindOf(darkAnalysis.suggestions[0])).toBe('exposure');
    expect(kindOf(brightAnalysis.suggestions[0])).toBe('exposure');
    expect((exposureEdit(darkAnalysis).recipe as { tone: { exposureEv: number } }).tone.exposureEv).toBeGreaterThan(0);
    expect((exposureEdit(brightAnalysis).recipe as { tone: { exposureEv: number } }).tone.exposureEv).toBeLessThan(0);
    expect(darkAnalysis.issues.join(' ')).toMatch(/Underexposed/);
    expect(brightAnalysis.issues.join(' ')).toMatch(/Overexposed|blown/);

    const normal = await engine.analyzePhoto(await toPhoto(await chelsea()), 4);
    expect(darkAnalysis.scores.exposure).toBeLessThan(normal.scores.exposure - 3);
    expect(brightAnalysis.scores.exposure).toBeLessThan(normal.scores.exposure - 3);

    // The rendered fixes move brightness the advised way.
    const meanOf = async (b: Buffer) => (await sharp(b).greyscale().stats()).channels[0].mean;
    const brightened = await engine.generateImage(dark, exposureEdit(darkAnalysis), { index: 1 });
    const darkened = await engine.generateImage(bright, exposureEdit(brightAnalysis), { index: 1 });
    expect(await meanOf(brightened.data)).toBeGreaterThan((await meanOf(dark.buffer)) + 20);
    expect(await meanOf(darkened.data)).toBeLessThan((await meanOf(bright.buffer)) - 20);
  });

  it('handles a single-channel grayscale PNG without proposing colour edits', async () => {
    const photo = await toPhoto(await greyChelsea());
    const settings = await engine.recommendSettings(photo);
    expect(settings.white_balance).toMatch(/monochrome/);
    const analysis = await engine.analyzePhoto(photo, 8);
    const kinds = analysis.suggestions.map(kindOf);
    for (const colourOnly of ['black_and_white', 'white_balance', 'vibrance', 'colour_grade']) {
      expect(kinds).not.toContain(colourOnly);
    }
    expect(analysis.metrics).toMatchObject({ colour: { isGrayscale: true } });
    expect(analysis.summary).toMatch(/monochrome/);
    expect(analysis.summary).not.toMatch(/colour \(/);
    for (const [i, suggestion] of analysis.suggestions.entries()) {
      const image = await engine.generateImage(photo, suggestion, { index: i + 1 });
      expect((await sharp(image.data).metadata()).format).toBe('jpeg');
      // Only the sepia toning adds colour to a monochrome photo.
      if (kindOf(suggestion) !== 'sepia') expect(await meanChroma(image.data)).toBeLessThan(3);
    }
  });

  it('scores a blurred photo lower for sharpness and proposes sharpening first', async () => {
    const [sharpPhoto, blurred] = await Promise.all([chelsea().then(toPhoto), blurredChelsea().then(toPhoto)]);
    const [crisp, soft] = await Promise.all([engine.analyzePhoto(sharpPhoto, 4), engine.analyzePhoto(blurred, 4)]);
    expect(soft.scores.sharpness).toBeLessThan(crisp.scores.sharpness - 4);
    expect(kindOf(soft.suggestions[0])).toBe('sharpen');
    expect(soft.issues.join(' ')).toMatch(/blur/);
    const settings = await engine.recommendSettings(blurred);
    expect(settings.reason).toMatch(/soft detail/);
    expect(secondsOf(settings.shutter_speed)).toBeLessThanOrEqual(1 / 250);
  });

  it('proposes a white-balance fix for a blue cast, warms the render, and advises a warmer setting', async () => {
    const photo = await toPhoto(await blueChelsea());
    const analysis = await engine.analyzePhoto(photo, 4);
    const fix = analysis.suggestions.find((s) => kindOf(s) === 'white_balance');
    expect(fix).toBeDefined();
    expect(analysis.suggestions.indexOf(fix!)).toBeLessThan(2);
    expect(fix!.title).toMatch(/blue/i);
    const image = await engine.generateImage(photo, fix!, { index: 1 });
    const blueMinusRed = async (b: Buffer) => {
      const { channels } = await sharp(b).stats();
      return channels[2].mean - channels[0].mean;
    };
    expect(await blueMinusRed(image.data)).toBeLessThan((await blueMinusRed(photo.buffer)) - 10);
    const kelvin = Number(/(\d{4,5})K/.exec((await engine.recommendSettings(photo)).white_balance)?.[1]);
    expect(kelvin).toBeGreaterThan(5500);
  });

  it('locates an off-centre subject, scores its framing, and reframes toward a third', async () => {
    const [edgePhoto, thirdsPhoto] = await Promise.all([subjectAt(0.9, 0.14).then(toPhoto), subjectAt(2 / 3, 1 / 3).then(toPhoto)]);
    const [edge, thirds] = await Promise.all([engine.analyzePhoto(edgePhoto, 4), engine.analyzePhoto(thirdsPhoto, 4)]);
    const subject = (a: Analysis) => (a.metrics as { subject: { x: number; y: number } }).subject;
    expect(subject(edge).x).toBeGreaterThan(0.75);
    expect(subject(edge).y).toBeLessThan(0.3);
    expect(edge.scores.composition).toBeLessThan(thirds.scores.composition);
    const reframe = edge.suggestions.find((s) => kindOf(s) === 'reframe');
    expect(reframe).toBeDefined();
    const image = await engine.generateImage(edgePhoto, reframe!, { index: 1 });
    expect(image.width).toBeLessThan(edgePhoto.width);
    expect(image.height).toBeLessThan(edgePhoto.height);
    expect(Math.abs(image.width / image.height - edgePhoto.width / edgePhoto.height)).toBeLessThan(0.02);
  });

  it('reports the EXIF exposure in settings.current and anchors the advice to it', async () => {
    const dim = await toPhoto(await chelseaWithExif({ fNumber: '28/10', exposure: '1/30', iso: '3200', focal: '50/1' }));
    const sunny = await toPhoto(await chelseaWithExif({ fNumber: '8/1', exposure: '1/1000', iso: '100', focal: '50/1' }));
    const dimSettings = await engine.recommendSettings(dim);
    expect(dimSettings.current).toEqual({
      aperture: 'f/2.8',
      shutter_speed: '1/30',
      iso: '3200',
      focal_length: '50 mm',
      camera: 'Canon EOS R5',
    });
    expect(dimSettings.reason).toContain('EXIF f/2.8 · 1/30 · ISO 3200');
    const sunnySettings = await engine.recommendSettings(sunny);
    expect(sunnySettings.current?.shutter_speed).toBe('1/1000');
    // Same pixels, but EXIF says one was shot in far brighter light.
    expect(isoOf(dimSettings.iso) * secondsOf(dimSettings.shutter_speed)).toBeGreaterThan(
      isoOf(sunnySettings.iso) * secondsOf(sunnySettings.shutter_speed) * 16,
    );
    const analysis = await engine.analyzePhoto(dim, 2);
    expect(analysis.metrics).toMatchObject({ exposure: { sceneEvSource: 'exif' } });
  });

  it('leaves settings.current out when the photo has no EXIF', async () => {
    const settings = await engine.recommendSettings(await toPhoto(await chelsea()));
    expect(settings.current).toBeUndefined();
  });
});
