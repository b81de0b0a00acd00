import { decodeBase } from '../../../src/engine/local/decodeBase';
import type { EditContext } from '../../../src/engine/local/EditDefinition';
import { analyseExposure } from '../../../src/engine/local/exposureAnalysis';
import { measurePhoto } from '../../../src/engine/local/measurePhoto';
import { recipeForSuggestion } from '../../../src/engine/local/recipeForSuggestion';
import { chelsea, greyChelsea } from './localTestImages';

async function contextOf(buffer: Buffer): Promise<EditContext> {
  const metrics = await measurePhoto(await decodeBase(buffer, { maxEdge: 800, maxInputPixels: 1e8 }));
  return { metrics, exposure: analyseExposure(metrics, {}) };
}

describe('recipeForSuggestion', () => {
  let colour: EditContext;
  let grey: EditContext;
  beforeAll(async () => {
    [colour, grey] = await Promise.all([chelsea().then(contextOf), greyChelsea().then(contextOf)]);
  });

  it("uses the suggestion's own valid recipe", () => {
    const recipe = { engine: 'local', version: 1, kind: 'vignette', vignette: { strength: 0.3, x: 0.5, y: 0.5 } };
    expect(recipeForSuggestion({ title: 'Sharpen', description: 'd', instruction: 'i', recipe }, colour)).toEqual(recipe);
  });

  it('matches free text to a catalogue edit, the title first', () => {
    const kind = (title: string, instruction = 'Edit the photo.') =>
      recipeForSuggestion({ title, description: 'Improve it.', instruction }, colour).kind;
    expect(kind('Crop tighter on the cat')).toBe('reframe');
    expect(kind('Dramatic monochrome')).toBe('black_and_white');
    expect(kind('Fix the colour cast', 'Sharpen a little too.')).toBe('white_balance');
    expect(kind('Make it pop', 'Add a vignette.')).toBe('vignette');
  });

  it('skips edits that make no sense for the photo and falls back to contrast', () => {
    const monochrome = recipeForSuggestion({ title: 'Convert to black and white', description: 'd', instruction: 'i' }, grey);
    expect(monochrome.kind).toBe('contrast');
    const vague = recipeForSuggestion({ title: 'Make it sing', description: '…', instruction: 'Something wonderful.' }, colour);
    expect(vague.kind).toBe('contrast');
  });
});
