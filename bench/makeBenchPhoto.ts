/**
 * The benchmark's 12 MP upload: the real fixture photo enlarged to 4000×3000 with seeded
 * sensor-like grain, as a quality-90 JPEG with camera EXIF (about 5 MB, like a phone photo).
 * Deterministic and cached, so every run posts the same bytes.
 */
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';

export interface BenchPhoto {
  path: string;
  bytes: number;
  width: number;
  height: number;
}

/** Returns the cached photo at `dir/bench-<w>x<h>.jpg`, making it first when missing. */
export async function makeBenchPhoto(options: { fixturePath: string; dir: string; width?: number; height?: number; grain?: number }): Promise<BenchPhoto> {
  const width = options.width ?? 4000;
  const height = options.height ?? 3000;
  const grain = options.grain ?? 16;
  const file = path.join(options.dir, `bench-${width}x${height}-g${grain}.jpg`);
  if (!fs.existsSync(file)) {
    const pixels = await sharp(options.fixturePath)
      .resize(width, height, { fit: 'fill', kernel: 'lanczos3' })
      .removeAlpha()
      .raw()
      .toBuffer();
    addGrain(pixels, grain, 0x5eed);
    const jpeg = await sharp(pixels, { raw: { width, height, channels: 3 } })
      .jpeg({ quality: 90 })
      .withExif({ IFD0: { Make: 'Canon', Model: 'Canon EOS 80D', Software: 'SnatchShot bench' } })
      .toBuffer();
    fs.mkdirSync(options.dir, { recursive: true });
    // Written under a temporary name first: a half-written photo must never be cached.
    fs.writeFileSync(`${file}.part`, jpeg);
    fs.renameSync(`${file}.part`, file);
  }
  return { path: file, bytes: fs.statSync(file).size, width, height };
}

/** Adds roughly Gaussian grain (sum of uniforms) from a xorshift32 generator seeded with `seed`. */
function addGrain(pixels: Buffer, sigma: number, seed: number): void {
  let state = seed >>> 0 || 1;
  const next = () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 0x1_0000_0000;
  };
  // The sum of three uniforms has variance 1/4; scale to the requested sigma.
  const scale = sigma * 2;
  for (let i = 0; i < pixels.length; i++) {
    const noise = (next() + next() + next() - 1.5) * scale;
    const value = pixels[i] + noise;
    pixels[i] = value < 0 ? 0 : value > 255 ? 255 : value;
  }
}
