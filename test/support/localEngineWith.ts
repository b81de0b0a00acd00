import type { ImageEngine } from '../../src/engine/ImageEngine';
import { createLocalEngine } from '../../src/engine/local/createLocalEngine';

/** The engine's stage methods a test may replace. */
export type EngineStages = Pick<ImageEngine, 'recommendSettings' | 'analyzePhoto' | 'generateImage'>;

/**
 * The real local engine with some stages replaced: `replace` is given the engine, so a
 * replacement can delegate to it (hold one image back, fail another, …). Closing the result
 * closes that engine.
 */
export function localEngineWith(replace: (local: ImageEngine) => Partial<EngineStages>, local: ImageEngine = createLocalEngine()): ImageEngine {
  const replaced = replace(local);
  return {
    name: local.name,
    recommendSettings: replaced.recommendSettings ?? ((photo, options) => local.recommendSettings(photo, options)),
    analyzePhoto: replaced.analyzePhoto ?? ((photo, count, options) => local.analyzePhoto(photo, count, options)),
    generateImage: replaced.generateImage ?? ((photo, suggestion, options) => local.generateImage(photo, suggestion, options)),
    close: () => local.close(),
  };
}
