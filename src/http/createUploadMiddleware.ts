import type { RequestHandler } from 'express';
import multer from 'multer';
import { AppError } from '../errors/AppError';
import { createPresizedMemoryStorage } from './createPresizedMemoryStorage';
import { formatMb } from '../util/formatMb';
import { errorMessage } from '../util/errorMessage';

/**
 * Parses the multipart upload into memory with every limit set, and turns multer's errors
 * into our codes: FILE_TOO_LARGE, UNEXPECTED_FIELD, MALFORMED_REQUEST, and MISSING_IMAGE for a
 * photo sent as a text part (no filename).
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
      if (err) return next(toAppError(err, options.maxUploadBytes));
      // A part named "image" without a filename is a text field to multipart parsers (RFC 7578
      // asks for a filename on file content; some clients leave it out): say so, rather than
      // "no image field" to a client that sent one.
      if (!req.file && (req.body as Record<string, unknown> | undefined)?.image !== undefined) return next(imageSentAsText());
      next();
    });
  };
}

function imageSentAsText(cause?: unknown): AppError {
  return new AppError(
    'MISSING_IMAGE',
    'The part "image" has no filename, so it was read as a text field, not a file; send the photo as a file part (Content-Disposition: form-data; name="image"; filename="photo.jpg")',
    { cause },
  );
}

function toAppError(err: unknown, maxUploadBytes: number): AppError {
  if (err instanceof multer.MulterError) {
    switch (err.code) {
      case 'LIMIT_FILE_SIZE':
        return new AppError('FILE_TOO_LARGE', `The file is larger than the ${formatMb(maxUploadBytes)} MB limit`, { cause: err });
      case 'LIMIT_UNEXPECTED_FILE':
        return new AppError('UNEXPECTED_FIELD', `Unexpected file field "${err.field ?? ''}"; send the photo in the field "image"`, { cause: err });
      case 'LIMIT_FIELD_VALUE':
        // A photo sent as a text part outgrows the text-field limit: the same mistake as above.
        if (err.field === 'image') return imageSentAsText(err);
        return new AppError('MALFORMED_REQUEST', `The upload was rejected: ${err.message}`, { cause: err });
      case 'LIMIT_FILE_COUNT':
        return new AppError('UNEXPECTED_FIELD', 'Send exactly one file, in the field "image"', { cause: err });
      default:
        return new AppError('MALFORMED_REQUEST', `The upload was rejected: ${err.message}`, { cause: err });
    }
  }
  const message = errorMessage(err);
  return new AppError('MALFORMED_REQUEST', `The multipart body could not be parsed: ${message}`, { cause: err });
}
