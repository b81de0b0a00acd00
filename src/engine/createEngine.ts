import type { Config } from '../config/loadConfig';
import type { Logger } from '../logging/Logger';
import { createGeminiEngine } from './gemini/createGeminiEngine';
import type { ImageEngine } from './ImageEngine';
import { createLocalEngine } from './local/createLocalEngine';

/** The engine the configuration asks for (SPEC §2). */
export function createEngine(config: Pick<Config, 'engine' | 'gemini'>, logger: Logger): ImageEngine {
  if (config.engine === 'gemini') {
    const { apiKey, ...rest } = config.gemini;
    if (!apiKey) throw new Error('GEMINI_API_KEY is required for the gemini engine');
    return createGeminiEngine({ apiKey, ...rest, logger: logger.child({ engine: 'gemini' }) });
  }
  return createLocalEngine({ logger: logger.child({ engine: 'local' }) });
}
