import { decodeBase } from '../../../src/engine/local/decodeBase';
import { measurePhoto } from '../../../src/engine/local/measurePhoto';
import type { PhotoMetrics } from '../../../src/engine/local/PhotoMetrics';
import {
  blueChelsea,
  blurredChelsea,
  brightChelsea,
  chelsea,
  darkChelsea,
  flatChelsea,
  greyChelsea,
  noisyChelsea,
  subjectAt,
} from './localTestImages';

const measure = async (buffer: Buffer): Promise<PhotoMetrics> =>
  measurePhoto(await decodeBase(buffer, { maxEdge: 1600, maxInputPixels: 1e8 }));

describe('measurePhoto', () => {
  let reference: PhotoMetrics;
  beforeAll(async () => {
    reference = await measure(await chelsea());
  });

  it('describes the fixture as a mid-toned, colourful, crisp photo', () => {
    expect(reference.tone.median).toBeGreaterThan(0.35);
    expect(reference.tone.median).toBeLessThan(0.6);
    expect(reference.colour.isGrayscale).toBe(false);
    expect(reference.colour.colourfulness).toBeGreaterThan(25);
    expect(reference.sharpness.blurIndex).toBeLessThan(0.4);
    expect(reference.tone.histogram.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 2);
  });

  it('sees a dark photo as dark and a bright one as clipped', async () => {
    const [dark, bright] = await Promise.all([darkChelsea().then(measure), brightChelsea().then(measure)]);
    expect(dark.tone.median).toBeLessThan(0.2);
    expect(bright.tone.median).toBeGreaterThan(0.85);
    expect(bright.tone.highlightClipping).toBeGreaterThan(0.2);
    expect(reference.tone.highlightClipping).toBeLessThan(0.01);
  });

  it('measures lower contrast on a squeezed tonal range', async () => {
    const flat = await measure(await flatChelsea());
    expect(flat.tone.rmsContrast).toBeLessThan(reference.tone.rmsContrast / 2);
    expect(flat.tone.dynamicRange).toBeLessThan(reference.tone.dynamicRange / 2);
  });

  it('measures blur', async () => {
    const blurred = await measure(await blurredChelsea());
    expect(blurred.sharpness.blurIndex).toBeGreaterThan(reference.sharpness.blurIndex + 0.2);
    expect(blurred.sharpness.laplacianVariance).toBeLessThan(reference.sharpness.laplacianVariance / 10);
  });

  it('measures grain as noise, not as detail, and does not see it in a blurred photo', async () => {
    const [noisy, blurred] = await Promise.all([noisyChelsea(8).then(measure), blurredChelsea().then(measure)]);
    expect(reference.sharpness.noise).toBeLessThan(2);
    // 8 levels per channel is about 6 in luma.
    expect(noisy.sharpness.noise).toBeGreaterThan(4.5);
    expect(noisy.sharpness.noise).toBeLessThan(8);
    expect(blurred.sharpness.noise).toBeLessThan(reference.sharpness.noise);
  });

  it('measures the direction of a colour cast', async () => {
    const blue = await measure(await blueChelsea());
    expect(reference.colour.castWarm).toBeGreaterThan(0.1);
    expect(blue.colour.castWarm).toBeLessThan(-0.1);
    // Neutralising a blue cast means boosting red and cutting blue.
    expect(blue.colour.neutralGains[0]).toBeGreaterThan(blue.colour.neutralGains[2]);
  });

  it('detects a grayscale photo', async () => {
    const grey = await measure(await greyChelsea());
    expect(grey.colour.isGrayscale).toBe(true);
    expect(grey.colour.colourfulness).toBeLessThan(1);
  });

  it('finds an off-centre subject and measures its distance from the thirds', async () => {
    const [onThird, offThird] = await Promise.all([subjectAt(1 / 3, 2 / 3).then(measure), subjectAt(0.88, 0.15).then(measure)]);
    expect(onThird.subject.x).toBeCloseTo(1 / 3, 1);
    expect(onThird.subject.y).toBeGreaterThan(0.55);
    expect(offThird.subject.x).toBeGreaterThan(0.75);
    expect(offThird.subject.y).toBeLessThan(0.3);
    expect(offThird.subject.thirdsDistance).toBeGreaterThan(onThird.subject.thirdsDistance + 0.1);
    expect(offThird.subject.isolation).toBeGreaterThan(1.5);
  });
});
