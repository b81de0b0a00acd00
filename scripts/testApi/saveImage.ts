import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

function slugify(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40) || 'image';
}

function extensionFor(mimeType: string | undefined): string {
  const known: Record<string, string> = { 'image/jpeg': 'jpg', 'image/png': 'png', 'image/webp': 'webp', 'image/avif': 'avif', 'image/gif': 'gif' };
  return known[mimeType ?? ''] ?? 'bin';
}

/**
 * `mkdirSync(dir, { recursive: true })` without its endless retry where a file system answers
 * ENOENT to a folder whose parent exists (procfs; src/util/makeDirectory.ts, the service's
 * async twin, says more): here each folder is tried at most twice, so the error is thrown.
 */
function makeFolder(dir: string): void {
  try {
    mkdirSync(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' && statSync(dir).isDirectory()) return;
    if (code !== 'ENOENT' || path.dirname(dir) === dir) throw err;
    makeFolder(path.dirname(dir));
    mkdirSync(dir);
  }
}

/**
 * Saves one generated image as `<outDir>/<requestId>-<index>-<title-slug>.<ext>`; returns its
 * path. Synchronous on purpose: images are small, and the "saved" line then prints right
 * under its event.
 */
export function saveImage(outDir: string, requestId: string, image: { index: number; title?: string; mimeType?: string; imageData: string }): string {
  makeFolder(path.resolve(outDir));
  const file = path.join(outDir, `${requestId}-${image.index}-${slugify(image.title ?? 'image')}.${extensionFor(image.mimeType)}`);
  writeFileSync(file, Buffer.from(image.imageData, 'base64'));
  return file;
}
