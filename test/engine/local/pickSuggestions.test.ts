import { decodeBase } from '../../../src/engine/local/decodeBase';
import { EDIT_CATALOGUE } from '../../../src/engine/local/editCatalogue';
import type { EditContext, EditDefinition } from '../../../src/engine/local/EditDefinition';
import { parseRecipe } from '../../../src/engine/local/editRecipe';
import { analyseExposure } from '../../../src/engine/local/exposureAnalysis';
import { measurePhoto } from '../../../src/engine/local/measurePhoto';
import { MAX_SUGGESTIONS, pickSuggestions, rankEdits } from '../../../src/engine/local/pickSuggestions';
import { blueChelsea, brightChelsea, chelsea, darkChelsea, greyChelsea, subjectAt } from './localTestImages';

async function contextOf(buffer: Buffer): Promise<EditContext> {
  const metrics = await measurePhoto(await decodeBase(buffer, { maxEdge: 800, maxInputPixels: 1e8 }));
  return { metrics, exposure: analyseExposure(metrics, {}) };
}

describe('pickSuggestions', () => {
  let contexts: Record<string, EditContext>;
  beforeAll(async () => {
    const entries = await Promise.all(
      Object.entries({ chelsea, darkChelsea, brightChelsea, blueChelsea, greyChelsea, scene: () => subjectAt(0.8, 0.2) }).map(
        async ([name, make]) => [name, await contextOf(await make())] as const,
      ),
    );
    contexts = Object.fromEntries(entries);
  });

  it('plans, for every photo, only schema-valid recipes with short titles', () => {
    for (const context of Object.values(contexts)) {
      for (const definition of EDIT_CATALOGUE) {
        if (definition.relevance(context) < 0) continue;
        const planned = definition.plan(context);
        expect(parseRecipe(planned.recipe)).toEqual(planned.recipe);
        expect(planned.recipe.kind).toBe(definition.kind);
        expect(planned.title.split(/\s+/).length).toBeLessThanOrEqual(8);
        expect(planned.description.length).toBeGreaterThan(20);
        expect(planned.instruction.length).toBeGreaterThan(10);
      }
    }
  });

  it('returns exactly `count` suggestions of distinct kinds, for every count and photo', () => {
    for (const context of Object.values(contexts)) {
      for (let count = 1; count <= MAX_SUGGESTIONS; count++) {
        const kinds = pickSuggestions(context, count).map((s) => (s.recipe as { kind: string }).kind);
        expect(kinds).toHaveLength(count);
        expect(new Set(kinds).size).toBe(count);
      }
    }
  });

  it('orders suggestions by relevance, the top few being the measured faults', () => {
    const top = (name: string, n: number) => pickSuggestions(contexts[name], n).map((s) => (s.recipe as { kind: string }).kind);
    expect(top('darkChelsea', 1)).toEqual(['exposure']);
    expect(top('brightChelsea', 1)).toEqual(['exposure']);
    expect(top('blueChelsea', 2)).toContain('white_balance');
    const ranked = rankEdits(contexts.chelsea).map((r) => r.relevance);
    expect([...ranked].sort((a, b) => b - a)).toEqual(ranked);
  });

  it('proposes no colour edits for a grayscale photo except toning', () => {
    const kinds = pickSuggestions(contexts.greyChelsea, MAX_SUGGESTIONS).map((s) => (s.recipe as { kind: string }).kind);
    expect(kinds).toContain('sepia');
    expect(kinds).not.toEqual(expect.arrayContaining(['black_and_white']));
    for (const colour of ['white_balance', 'vibrance', 'colour_grade', 'black_and_white']) expect(kinds).not.toContain(colour);
    // And toning is not offered for a colour photo.
    expect(pickSuggestions(contexts.chelsea, MAX_SUGGESTIONS).map((s) => (s.recipe as { kind: string }).kind)).not.toContain('sepia');
  });

  it('breaks relevance ties by catalogue order', () => {
    const fixed = (kind: EditDefinition['kind'], relevance: number): EditDefinition => ({
      ...EDIT_CATALOGUE.find((d) => d.kind === kind)!,
      relevance: () => relevance,
    });
    const catalogue = [fixed('matte', 0.5), fixed('vignette', 0.5), fixed('sharpen', 0.9), fixed('sepia', -1)];
    expect(rankEdits(contexts.chelsea, catalogue).map((r) => r.definition.kind)).toEqual(['sharpen', 'matte', 'vignette']);
  });

  it('refuses counts outside 1..8', () => {
    for (const count of [0, -1, 9, 1.5]) expect(() => pickSuggestions(contexts.chelsea, count)).toThrow(RangeError);
  });
});
