/**
 * A blank frame (lens cap on, a plain wall) through the local engine: it says there is
 * nothing to see instead of critiquing a subject that is not there.
 */
import sharp from 'sharp';
import type { Suggestion } from '../../../src/domain/schemas';
import { createLocalEngine } from '../../../src/engine/local/createLocalEngine';
import type { ImageEngine } from '../../../src/engine/ImageEngine';
import { blurredChelsea, chelsea, subjectAt, toPhoto } from './localTestImages';

const kindOf = (s: Suggestion) => (s.recipe as { kind: string }).kind;
const SUBJECT_EDITS = ['reframe', 'vignette', 'sharpen', 'local_contrast'];

const solid = (background: string, width = 320, height = 240) =>
  sharp({ create: { width, height, channels: 3, background } }).jpeg().toBuffer();

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
  ])('says %s has no detail or subject and proposes no subject edits', async (_name, make) => {
    const photo = await toPhoto(await make());
    const analysis = await engine.analyzePhoto(photo, 8);
    expect(analysis.summary).toMatch(/^An almost uniform .* frame with no visible detail or subject/);
    expect(analysis.summary).toContain('check the lens cap, the focus and the exposure');
    expect(analysis.summary).not.toMatch(/point of interest|strength/);
    expect(analysis.scores.composition).toBe(0);
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
  ])('still critiques %s as a photo with a subject', async (_name, make) => {
    const analysis = await engine.analyzePhoto(await toPhoto(await make()), 4);
    expect(analysis.summary).toMatch(/point of interest/);
    expect(analysis.summary).not.toContain('almost uniform');
    expect(analysis.scores.composition).toBeGreaterThan(0);
  });
});
