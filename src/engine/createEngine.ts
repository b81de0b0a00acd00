import type { Config } from '../config/loadConfig';
import type { Logger } from '../logging/Logger';
import type { ImageEngine } from './ImageEngine';
import { createLocalEngine } from './local/createLocalEngine';

/**
 * The engine the configuration asks for (SPEC §2). The Gemini engine is required only when
 * chosen: its SDK costs ~12 MB of RSS that the local engine never needs.
 */
export function createEngine(config: Pick<Config, 'engine' | 'gemini'>, logger: Logger): ImageEngine {
  if (config.engine === 'gemini') {
    const { apiKey, ...rest } = config.gemini;
    if (!apiKey) throw new Error('GEMINI_API_KEY is required for the gemini engine');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { createGeminiEngine } = require('./gemini/createGeminiEngine') as typeof import('./gemini/createGeminiEngine');
    return createGeminiEngine({ apiKey, ...rest, logger });
  }
  return createLocalEngine({ logger: logger.child({ engine: 'local' }) });
}
