import type { RequestHandler } from 'express';
import multer from 'multer';
import { AppError } from '../errors/AppError';
import { createPresizedMemoryStorage } from './createPresizedMemoryStorage';
import { formatMb } from '../util/formatMb';

/**
 * Parses the multipart upload into memory with every limit set, and turns multer's errors
 * into our codes: FILE_TOO_LARGE, UNEXPECTED_FIELD, MALFORMED_REQUEST.
 */
export function createUploadMiddleware(options: { maxUploadBytes: number }): RequestHandler {
  const upload = multer({
    storage: createPresizedMemoryStorage({ maxBytes: options.maxUploadBytes }),
    // Browsers and curl send a file name as raw UTF-8 (multer's default would read it as Latin-1).
    defParamCharset: 'utf8',
    limits: {
      fileSize: options.maxUploadBytes,
      files: 1,
      fields: 8,
      fieldNameSize: 100,
      fieldSize: 64 * 1024,
      parts: 10,
      // No `headerPairs`: busboy 1.6 ignores it for multipart parts and caps part headers itself
      // (2,000 pairs, 16 KB).
      // Our fields are flat (image, connectionId); crafted bracket paths must not build deep objects or huge arrays.
      fieldNestingDepth: 1,
      fieldArrayIndexLimit: 16,
    },
  }).single('image');

  return (req, res, next) => {
    upload(req, res, (err: unknown) => {
      if (!err) return next();
      next(toAppError(err, options.maxUploadBytes));
    });
  };
}

function toAppError(err: unknown, maxUploadBytes: number): AppError {
  if (err instanceof multer.MulterError) {
    switch (err.code) {
      case 'LIMIT_FILE_SIZE':
        return new AppError('FILE_TOO_LARGE', `The file is larger than the ${formatMb(maxUploadBytes)} MB limit`, { cause: err });
      case 'LIMIT_UNEXPECTED_FILE':
        return new AppError('UNEXPECTED_FIELD', `Unexpected file field "${err.field ?? ''}"; send the photo in the field "image"`, { cause: err });
      case 'LIMIT_FILE_COUNT':
        return new AppError('UNEXPECTED_FIELD', 'Send exactly one file, in the field "image"', { cause: err });
      default:
        return new AppError('MALFORMED_REQUEST', `The upload was rejected: ${err.message}`, { cause: err });
    }
  }
  const message = err instanceof Error ? err.message : String(err);
  return new AppError('MALFORMED_REQUEST', `The multipart body could not be parsed: ${message}`, { cause: err });
}
