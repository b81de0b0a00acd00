/**
 * The body of one HEIC decoding worker, as plain JavaScript: a string, so the same code runs
 * under ts-node, ts-jest and the compiled build without a separate .js file to ship.
 *
 * It decodes the primary image of `workerData.heic` to 8-bit RGBA with libheif's HEIF
 * transformations (rotation, mirroring, crop) applied, and posts
 * `{ width, height, hasAlpha, data: ArrayBuffer }` (transferred, not copied) or `{ error }`.
 * libheif-js and libde265 report through the console (the process's stdout and stderr, outside
 * the service's logger); the first message is kept for the error instead.
 */
export const HEIC_WORKER_SOURCE = `
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const { format } = require('node:util');
const notes = [];
const note = (...args) => {
  if (notes.length >= 10) return; // a damaged stream can warn once per block
  const detail = args.find((arg) => arg && typeof arg.message === 'string');
  notes.push(detail ? detail.message : format(...args));
};
// Before libheif loads: its WebAssembly runtime binds console.log and console.error then.
console.log = console.info = console.warn = console.error = note;
const fail = (what) => parentPort.postMessage({ error: notes.length ? what + ' (libheif: ' + notes[0] + ')' : what });
try {
  const libheif = require(workerData.libheifPath);
  const images = new libheif.HeifDecoder().decode(workerData.heic);
  const image = images.find((candidate) => candidate.is_primary()) || images[0];
  if (!image) {
    fail('no image could be read from the HEIF file');
  } else {
    const width = image.get_width();
    const height = image.get_height();
    const data = new Uint8ClampedArray(width * height * 4);
    image.display({ data, width, height }, (result) => {
      if (!result) fail('the image data is corrupt or truncated');
      else parentPort.postMessage({ width, height, hasAlpha: image.has_alpha_channel(), data: data.buffer }, [data.buffer]);
    });
  }
} catch (err) {
  fail(err && err.message ? err.message : String(err));
}
`;
