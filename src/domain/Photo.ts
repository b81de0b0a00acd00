/** Image formats accepted for upload, as sharp names them. */
export type PhotoFormat = 'jpeg' | 'png' | 'webp' | 'gif' | 'tiff' | 'avif' | 'heif';

/**
 * An uploaded photo whose bytes have been checked: the format was detected from the bytes
 * (never the client's Content-Type), the header decoded, and the pixel count is within limits.
 */
export interface Photo {
  /** The bytes as uploaded: what is stored and hashed. */
  readonly buffer: Buffer;
  /**
   * Bytes sharp can decode, for every engine: the upload itself, except an HEVC HEIC, which is
   * transcoded once to an upright JPEG keeping its colour profile and EXIF.
   */
  readonly decodable: Buffer;
  readonly format: PhotoFormat;
  readonly mimeType: string;
  /** Display dimensions (EXIF orientation applied). */
  readonly width: number;
  readonly height: number;
  readonly size: number;
  readonly sha256: string;
  readonly originalName?: string;
}
