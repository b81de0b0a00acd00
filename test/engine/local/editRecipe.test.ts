import { parseRecipe } from '../../../src/engine/local/editRecipe';

const base = { engine: 'local', version: 1 } as const;

describe('parseRecipe', () => {
  it('accepts a complete recipe', () => {
    const recipe = {
      ...base,
      kind: 'black_and_white',
      crop: { left: 0.1, top: 0.1, width: 0.8, height: 0.8 },
      tone: { exposureEv: 0.3, blackPoint: 0.05, whitePoint: 0.95, curve: 0.3 },
      colour: { mono: [0.3, 0.6, 0.1] },
      sharpen: { sigma: 1, amount: 2 },
      vignette: { strength: 0.4, x: 0.5, y: 0.5 },
    };
    expect(parseRecipe(recipe)).toEqual(recipe);
  });

  it('rejects recipes from other engines, unknown kinds and out-of-range values', () => {
    expect(parseRecipe(undefined)).toBeUndefined();
    expect(parseRecipe({ engine: 'gemini', version: 1, kind: 'contrast' })).toBeUndefined();
    expect(parseRecipe({ ...base, kind: 'liquify' })).toBeUndefined();
    expect(parseRecipe({ ...base, kind: 'reframe', crop: { left: 0.5, top: 0, width: 0.8, height: 0.5 } })).toBeUndefined();
    expect(parseRecipe({ ...base, kind: 'contrast', tone: { blackPoint: 0.6, whitePoint: 0.62 } })).toBeUndefined();
    expect(parseRecipe({ ...base, kind: 'exposure', tone: { exposureEv: 9 } })).toBeUndefined();
    expect(parseRecipe({ ...base, kind: 'black_and_white', colour: { mono: [0, 0, 0] } })).toBeUndefined();
  });
});
