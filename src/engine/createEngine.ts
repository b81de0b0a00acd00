import type { Config } from '../config/loadConfig';
import type { Logger } from '../logging/Logger';
import type { ImageEngine } from './ImageEngine';
import type { Semaphore } from '../util/createSemaphore';
import { createLocalEngine } from './local/createLocalEngine';

/**
 * The engine the configuration asks for (SPEC §2). The Gemini engine is required only when
 * chosen: its SDK costs ~12 MB of RSS that the local engine never needs.
 */
export function createEngine(
  config: Pick<Config, 'engine' | 'gemini' | 'maxUploadBytes' | 'maxImagePixels'>,
  logger: Logger,
  shared: { decodeBudget?: Semaphore } = {},
): ImageEngine {
  if (config.engine === 'gemini') {
    const { apiKey, ...rest } = config.gemini;
    if (!apiKey) throw new Error('GEMINI_API_KEY is required for the gemini engine');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { createGeminiEngine } = require('./gemini/createGeminiEngine') as typeof import('./gemini/createGeminiEngine');
    // A generated image is held to an upload's limits: one the service would refuse from a
    // client is not sent, base64, to every client either.
    return createGeminiEngine({ apiKey, ...rest, maxImageBytes: config.maxUploadBytes, maxImagePixels: config.maxImagePixels, logger, decodeBudget: shared.decodeBudget });
  }
  // The uploads' pixel limit, not the engine's default: a photo the web layer accepted must decode.
  return createLocalEngine({ logger: logger.child({ engine: 'local' }), maxInputPixels: config.maxImagePixels, decodeBudget: shared.decodeBudget });
}
