import { readFileSync } from 'node:fs';
import dotenv from 'dotenv';
import { EXIT, Failure } from './Failure';

/** The variables of ./.env (none when there is no such file); the caller lets the environment win. */
export function readDotEnv(file = '.env'): Record<string, string> {
  try {
    return dotenv.parse(readFileSync(file));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new Failure(`Cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, EXIT.usage);
  }
}
