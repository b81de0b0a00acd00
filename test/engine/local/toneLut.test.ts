import { applyToneLuts, buildToneLuts } from '../../../src/engine/local/toneLut';

const pixel = (r: number, g: number, b: number) => Buffer.from([r, g, b]);

describe('toneLut', () => {
  it('builds no tables for an empty tone recipe', () => {
    expect(buildToneLuts({})).toEqual({});
  });

  it('brightens with positive exposure without clipping the highlights', () => {
    const { channel } = buildToneLuts({ exposureEv: 1 });
    expect(channel![100]).toBeGreaterThan(130);
    // A plain ×2 in linear light would clip everything from about 185 up.
    expect(channel![200]).toBeLessThan(250);
    expect(channel![240]).toBeLessThan(255);
    for (let v = 1; v < 256; v++) expect(channel![v]).toBeGreaterThanOrEqual(channel![v - 1]);
  });

  it('keeps the S-curve monotonic, darker in the shadows and brighter in the highlights', () => {
    const { luma } = buildToneLuts({ curve: 0.6 });
    for (let v = 1; v < 256; v++) expect(luma![v]).toBeGreaterThanOrEqual(luma![v - 1]);
    expect(luma![64]).toBeLessThan(64);
    expect(luma![192]).toBeGreaterThan(192);
    expect(luma![0]).toBe(0);
    expect(luma![255]).toBe(255);
  });

  it('stretches levels and lifts the blacks for a matte look', () => {
    const levels = buildToneLuts({ blackPoint: 0.2, whitePoint: 0.6 }).luma!;
    expect(levels[51]).toBe(0);
    expect(levels[153]).toBeCloseTo(255, 0);
    const matte = buildToneLuts({ lift: 0.1 }).luma!;
    expect(matte[0]).toBeCloseTo(25.5, 1);
  });

  it('changes contrast on luma, preserving hue', () => {
    const data = pixel(180, 120, 60);
    applyToneLuts(data, buildToneLuts({ curve: 0.5 }));
    // Channel ratios survive the curve (within rounding).
    expect(data[0] / data[2]).toBeCloseTo(3, 1);
    expect(data[1] / data[2]).toBeCloseTo(2, 1);
  });

  it('applies white-balance gains to mid-tones but keeps white neutral', () => {
    const mid = pixel(100, 100, 100);
    const white = pixel(255, 255, 255);
    const luts = buildToneLuts({ gains: [0.8, 1, 1.2] });
    applyToneLuts(mid, luts);
    applyToneLuts(white, luts);
    expect(mid[0]).toBeLessThan(mid[2] - 20);
    expect([...white]).toEqual([255, 255, 255]);
  });
});
