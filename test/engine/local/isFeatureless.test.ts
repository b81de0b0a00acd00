/**
 * A blank frame (lens cap on, a plain wall) through the local engine: it says there is
 * nothing to see instead of critiquing a subject that is not there.
 */
import sharp from 'sharp';
import type { Suggestion } from '../../../src/domain/schemas';
import { createLocalEngine } from '../../../src/engine/local/createLocalEngine';
import type { ImageEngine } from '../../../src/engine/ImageEngine';
import { CHELSEA, blurredChelsea, chelsea, subjectAt, toPhoto } from './localTestImages';

const kindOf = (s: Suggestion) => (s.recipe as { kind: string }).kind;
const SUBJECT_EDITS = ['reframe', 'vignette', 'sharpen', 'local_contrast'];

const solid = (background: string, width = 320, height = 240) =>
  sharp({ create: { width, height, channels: 3, background } }).jpeg().toBuffer();

/** A flat frame with a camera's faint sensor noise around `level` (0..255). */
const noisy = (level: number) =>
  sharp({ create: { width: 1600, height: 1000, channels: 3, background: '#000', noise: { type: 'gaussian', mean: level, sigma: 3 } } }).jpeg().toBuffer();

/** Small white stars scattered (deterministically) over a dark gradient sky. */
function starfield(stars: number): Promise<Buffer> {
  const [width, height] = [1600, 1000];
  let seed = 7;
  const next = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  let svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><defs><linearGradient id="g" x1="0" y1="0" x2="0" y2="1">` +
    '<stop offset="0" stop-color="#05060a"/><stop offset="1" stop-color="#10131c"/></linearGradient></defs><rect width="100%" height="100%" fill="url(#g)"/>';
  for (let i = 0; i < stars; i++) svg += `<circle cx="${next() * width}" cy="${next() * height}" r="${0.6 + next() * 1.2}" fill="#fff"/>`;
  return sharp(Buffer.from(`${svg}</svg>`)).png().toBuffer();
}

describe('a featureless frame on the local engine', () => {
  let engine: ImageEngine;
  beforeEach(() => {
    engine = createLocalEngine();
  });
  afterEach(async () => {
    await engine.close();
  });

  it.each([
    ['a black frame (lens cap on)', () => solid('#000')],
    ['a mid-grey wall', () => solid('#7f7f7f')],
    ['a tinted, almost uniform frame', () => solid('#446677')],
    ['a single pixel', () => solid('#202020', 1, 1)],
    ['a lens cap frame with sensor noise', () => noisy(6)],
    ['a grey wall with sensor noise', () => noisy(128)],
  ])('says %s has no detail or subject and proposes no subject edits', async (_name, make) => {
    const photo = await toPhoto(await make());
    const analysis = await engine.analyzePhoto(photo, 8);
    expect(analysis.summary).toMatch(/^An almost uniform .* frame with no visible detail or subject/);
    expect(analysis.summary).toContain('check the lens cap, the focus and the exposure');
    expect(analysis.summary).not.toMatch(/point of interest|strength/);
    expect(analysis.scores.composition).toBe(0);
    expect(analysis.scores.sharpness).toBe(0);
    expect(analysis.issues).toContain('No subject stands out: the frame is almost uniform');
    expect(analysis.strengths.join(' ')).not.toMatch(/subject/i);
    // Eight kinds are still offered, the subject edits only as the last resort, never first.
    expect(analysis.suggestions).toHaveLength(8);
    const top = analysis.suggestions.slice(0, 4).map(kindOf);
    for (const kind of SUBJECT_EDITS) expect(top).not.toContain(kind);

    const settings = await engine.recommendSettings(photo);
    expect(settings.reason).toContain('no visible detail');
    expect(settings.reason).not.toContain('stop the blur');
  });

  it.each([
    ['the real photo', chelsea],
    ['the real photo, blurred', blurredChelsea],
    ['a smooth graphic with one clear subject', () => subjectAt(0.3, 0.6)],
    ['the real photo, almost black (×0.05)', () => sharp(CHELSEA).resize(1600).linear(0.05, 0).png().toBuffer()],
    ['the real photo in thick fog', () => sharp(CHELSEA).resize(1600).linear(0.08, 200).png().toBuffer()],
    ['a night sky with a few hundred stars', () => starfield(300)],
  ])('still critiques %s as a photo with a subject', async (_name, make) => {
    const analysis = await engine.analyzePhoto(await toPhoto(await make()), 4);
    expect(analysis.summary).toMatch(/point of interest/);
    expect(analysis.summary).not.toContain('almost uniform');
    expect(analysis.scores.composition).toBeGreaterThan(0);
  });
});
