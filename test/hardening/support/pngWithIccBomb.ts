/**
 * A real PNG with an iCCP chunk whose profile inflates to `megabytes` of zeros: about 1 KB of
 * upload per MB inflated. Built by streaming one zero megabyte through deflate, so making it
 * does not take the memory it is meant to cost a reader.
 */
import zlib from 'node:zlib';
import { pngChunk } from './pngDeclaring';


/** `png` with the bomb inserted right after its IHDR chunk. */
export async function pngWithIccBomb(png: Buffer, megabytes: number): Promise<Buffer> {
  const deflate = zlib.createDeflate({ level: 9 });
  const parts: Buffer[] = [];
  deflate.on('data', (part: Buffer) => parts.push(part));
  const done = new Promise((resolve) => deflate.on('end', resolve));
  const zeros = Buffer.alloc(1 << 20);
  for (let i = 0; i < megabytes; i += 1) {
    if (!deflate.write(zeros)) await new Promise((resolve) => deflate.once('drain', resolve));
  }
  deflate.end();
  await done;
  // Profile name, its terminator, compression method 0 (deflate), then the profile.
  const iccp = pngChunk('iCCP', Buffer.concat([Buffer.from('bomb\0\0', 'latin1'), ...parts]));
  const afterIhdr = 8 + 8 + 13 + 4;
  return Buffer.concat([png.subarray(0, afterIhdr), iccp, png.subarray(afterIhdr)]);
}
