import type { Photo } from '../domain/Photo';
import type { Suggestion } from '../domain/schemas';
import type { EngineCallRecord, GeneratedImage, ImageEngine } from '../engine/ImageEngine';
import type { Logger } from '../logging/Logger';
import type { RequestEmitter } from './createRequestEmitter';
import { describeError } from './describeError';
import { stopReason } from './stopReason';
import { roundMs } from './formatMs';
import type { ImageResult } from './ProcessResult';

/**
 * Generates one image per suggestion, all at once, streaming each as it finishes.
 * Never rejects: a failed image becomes an `individual_image_error` and an error entry.
 * Returns the results in index order, plus the encoded bytes of each success.
 */
export async function generateImages(args: {
  engine: ImageEngine;
  photo: Photo;
  suggestions: Suggestion[];
  emitter: RequestEmitter;
  logger: Logger;
  signal: AbortSignal;
  recordCall: (call: EngineCallRecord) => void;
  /** Called with each image as it finishes (the pipeline stores it while the others are still made). */
  onImage?: (index: number, image: GeneratedImage) => void;
}): Promise<{ results: ImageResult[]; bytes: Map<number, Buffer> }> {
  const { engine, photo, suggestions, emitter, logger, signal, recordCall, onImage } = args;
  const totalImages = suggestions.length;
  const bytes = new Map<number, Buffer>();

  for (const [i, suggestion] of suggestions.entries()) {
    emitter.emit({
      type: 'individual_image_started',
      imageIndex: i + 1,
      totalImages,
      title: suggestion.title,
      message: `Generating image ${i + 1}/${totalImages}: ${suggestion.title}`,
    });
  }

  const results = await Promise.all(
    suggestions.map(async (suggestion, i): Promise<ImageResult> => {
      const index = i + 1;
      const { title } = suggestion;
      const started = performance.now();
      try {
        const image = await engine.generateImage(photo, suggestion, { index, signal, recordCall });
        const durationMs = roundMs(performance.now() - started);
        // Encoded once; the event, the response and the store share this string/buffer.
        const imageData = image.data.toString('base64');
        bytes.set(index, image.data);
        onImage?.(index, image);
        emitter.emit({
          type: 'individual_image_completed',
          imageIndex: index,
          totalImages,
          title,
          imageData,
          mimeType: image.mimeType,
          width: image.width,
          height: image.height,
          durationMs,
          message: `Image ${index}/${totalImages} generated successfully: ${title}`,
        });
        return { index, title, mimeType: image.mimeType, width: image.width, height: image.height, imageData, durationMs };
      } catch (err) {
        const durationMs = roundMs(performance.now() - started);
        // A stopped request's images end for its reason ("took longer than REQUEST_TIMEOUT_MS"),
        // not the engine's "aborted"; that is expected, so no warning with a stack either.
        const stopped = signal?.aborted ? stopReason(signal.reason) : undefined;
        const error = stopped?.message ?? describeError(err);
        if (stopped) logger.info({ imageIndex: index, code: stopped.code }, 'image generation stopped');
        else logger.warn({ err, imageIndex: index }, 'image generation failed');
        emitter.emit({
          type: 'individual_image_error',
          imageIndex: index,
          totalImages,
          title,
          error,
          durationMs,
          message: `Image ${index}/${totalImages} failed: ${title} - ${error}`,
        });
        return { index, title, error, durationMs };
      }
    }),
  );
  return { results, bytes };
}
