import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

function slugify(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40) || 'image';
}

function extensionFor(mimeType: string | undefined): string {
  const known: Record<string, string> = { 'image/jpeg': 'jpg', 'image/png': 'png', 'image/webp': 'webp', 'image/avif': 'avif', 'image/gif': 'gif' };
  return known[mimeType ?? ''] ?? 'bin';
}

/**
 * Saves one generated image as `<outDir>/<requestId>-<index>-<title-slug>.<ext>`; returns its
 * path. Synchronous on purpose: images are small, and the "saved" line then prints right
 * under its event.
 */
export function saveImage(outDir: string, requestId: string, image: { index: number; title?: string; mimeType?: string; imageData: string }): string {
  mkdirSync(outDir, { recursive: true });
  const file = path.join(outDir, `${requestId}-${image.index}-${slugify(image.title ?? 'image')}.${extensionFor(image.mimeType)}`);
  writeFileSync(file, Buffer.from(image.imageData, 'base64'));
  return file;
}
