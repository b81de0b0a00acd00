import { accessSync, constants as fsConstants, statSync } from 'node:fs';
import path from 'node:path';
import { EXIT, Failure } from './Failure';

/**
 * Fails early, before anything is uploaded, when the output folder cannot be made: the nearest
 * existing part of its path must be a writable folder. Nothing is created yet (a failed run
 * leaves no empty folder behind).
 */
export function checkOutDir(dir: string): void {
  const target = path.resolve(dir);
  let current = target;
  for (;;) {
    try {
      if (!statSync(current).isDirectory()) {
        throw new Failure(`Cannot use the output folder ${dir}: ${current === target ? 'EEXIST' : 'ENOTDIR'} (${current} is a file)`, EXIT.usage);
      }
      accessSync(current, fsConstants.W_OK);
      return;
    } catch (err) {
      if (err instanceof Failure) throw err;
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' || path.dirname(current) === current) {
        throw new Failure(`Cannot use the output folder ${dir}: ${code ?? (err as Error).message}`, EXIT.usage);
      }
      current = path.dirname(current);
    }
  }
}
