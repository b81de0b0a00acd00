import { APERTURES, ISO_VALUES, SHUTTER_SPEEDS } from '../../../src/engine/local/exposureScales';
import { solveTriangle } from '../../../src/engine/local/recommendSettings';

describe('solveTriangle', () => {
  const exposureOf = (t: { fNumber: number; seconds: number; iso: number }) =>
    Math.log2((t.fNumber * t.fNumber) / t.seconds) - Math.log2(t.iso / 100);

  it('returns marked values whose exposure matches the scene within a stop', () => {
    for (const ev of [3, 6, 9, 12, 15]) {
      for (const scene of ['subject', 'landscape', 'general'] as const) {
        const t = solveTriangle(ev, scene, 50, false);
        expect(APERTURES).toContain(t.fNumber);
        expect(SHUTTER_SPEEDS).toContain(t.seconds);
        expect(ISO_VALUES).toContain(t.iso);
        if (ev >= 6) expect(Math.abs(exposureOf(t) - ev)).toBeLessThan(1);
      }
    }
  });

  it('uses a wide aperture for a subject and a small one for a landscape', () => {
    expect(solveTriangle(10, 'subject', 50, false).fNumber).toBeLessThanOrEqual(2.8);
    expect(solveTriangle(10, 'landscape', 50, false).fNumber).toBeGreaterThanOrEqual(8);
  });

  it('raises ISO in dim light and keeps it at base in bright light', () => {
    const dim = solveTriangle(5, 'general', 50, false);
    const bright = solveTriangle(14, 'general', 50, false);
    expect(dim.iso).toBeGreaterThan(bright.iso);
    expect(bright.iso).toBe(100);
    expect(dim.iso * dim.seconds).toBeGreaterThan(bright.iso * bright.seconds * 100);
  });

  it('asks for a faster shutter when the photo was soft', () => {
    expect(solveTriangle(10, 'general', 50, true).seconds).toBeLessThan(solveTriangle(10, 'general', 50, false).seconds);
  });

  it('respects the handheld rule for long lenses', () => {
    expect(solveTriangle(10, 'landscape', 200, false).seconds).toBeLessThanOrEqual(1 / 200);
  });

  it('puts a landscape in near darkness on a tripod rather than past the ISO ceiling', () => {
    const night = solveTriangle(0, 'landscape', 24, false);
    expect(night.tripod).toBe(true);
    expect(night.seconds).toBeGreaterThan(1 / 24);
    expect(night.iso).toBeLessThanOrEqual(12800);
  });

  it('says how many stops a handheld subject in near darkness is still short once every setting is at its limit', () => {
    const night = solveTriangle(1, 'subject', 200, false);
    expect(night.seconds).toBeLessThanOrEqual(1 / 200);
    expect(night.iso).toBe(12800);
    expect(night.shortfallEv).toBeCloseTo(exposureOf(night) - 1, 5);
    expect(night.shortfallEv).toBeGreaterThan(1);
    for (const scene of ['subject', 'landscape', 'general'] as const) {
      expect(Math.abs(solveTriangle(10, scene, 50, false).shortfallEv)).toBeLessThan(0.5);
    }
  });

  it('keeps a fixed (phone) aperture and exposes with shutter and ISO alone', () => {
    for (const ev of [3, 6, 9, 12, 15]) {
      for (const scene of ['subject', 'landscape', 'general'] as const) {
        const t = solveTriangle(ev, scene, 26, false, 1.6);
        expect(t.fNumber).toBe(1.6);
        if (ev >= 6) expect(Math.abs(exposureOf(t) - ev)).toBeLessThan(1);
      }
    }
  });
});
