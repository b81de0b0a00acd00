import { readFile } from 'node:fs/promises';
import { EXIT, Failure } from './Failure';

/** The photo's bytes; a Failure (exit 2) naming the file when it cannot be read. */
export async function readPhoto(file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (err) {
    throw new Failure(`Cannot read the photo ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, EXIT.usage);
  }
}
