import {
  APERTURES,
  ISO_VALUES,
  SHUTTER_SPEEDS,
  ev100,
  formatEv,
  snapToScale,
} from '../../../src/engine/local/exposureScales';
import { formatAperture, formatShutter } from '../../../src/domain/formatExposure';

describe('exposureScales', () => {
  it('snaps to the nearest marked value in stops', () => {
    expect(snapToScale(2.9, APERTURES)).toBe(2.8);
    expect(snapToScale(7.5, APERTURES)).toBe(7.1);
    expect(snapToScale(1 / 130, SHUTTER_SPEEDS)).toBe(1 / 125);
    expect(snapToScale(1 / 9000, SHUTTER_SPEEDS)).toBe(1 / 8000);
    expect(snapToScale(700, ISO_VALUES)).toBe(640);
    expect(snapToScale(40, ISO_VALUES)).toBe(100);
  });

  it('formats settings as photographers write them', () => {
    expect(formatAperture(2.8)).toBe('f/2.8');
    expect(formatAperture(11)).toBe('f/11');
    expect(formatShutter(1 / 125)).toBe('1/125');
    expect(formatShutter(1 / 4)).toBe('1/4');
    expect(formatShutter(0.5)).toBe('0.5"');
    expect(formatShutter(2)).toBe('2"');
  });

  it('formats exposure compensation in thirds of a stop', () => {
    expect(formatEv(0.7)).toBe('+0.7 EV');
    expect(formatEv(0.34)).toBe('+0.3 EV');
    expect(formatEv(-1.3)).toBe('-1.3 EV');
    expect(formatEv(2)).toBe('+2 EV');
    expect(formatEv(-0.1)).toBe('0 EV');
  });

  it('computes EV100 from aperture, shutter and ISO', () => {
    expect(ev100(1, 1, 100)).toBeCloseTo(0);
    // Sunny 16: f/16, 1/100 s, ISO 100 is about EV 15.
    expect(ev100(16, 1 / 100, 100)).toBeCloseTo(14.64, 1);
    // Doubling ISO means the same exposure came from one stop less light.
    expect(ev100(4, 1 / 60, 400)).toBeCloseTo(ev100(4, 1 / 60, 200) - 1);
  });
});
