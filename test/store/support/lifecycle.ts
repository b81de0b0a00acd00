/**
 * Builders of what the pipeline hands the store for one request: the start record, the events in
 * emission order (valid against the event schemas), and the final result.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Analysis, CameraSettings } from '../../../src/domain/schemas';
import type { PipelineEvent } from '../../../src/events/eventSchemas';
import type { FinishedImage, RequestFinished, RequestStarted } from '../../../src/store/RequestStore';

/** A request id in the service's format; `epochMs` fixes its place in newest-first order. */
export function makeRequestId(epochMs = Date.now()): string {
  const suffix = Array.from(randomBytes(9), (byte) => (byte % 36).toString(36)).join('');
  return `req_${epochMs}_${suffix}`;
}

export const settings: CameraSettings = {
  aperture: 'f/4',
  shutter_speed: '1/250',
  iso: '200',
  white_balance: 'Daylight (5500K)',
  exposure_compensation: '+0.3 EV',
  reason: 'Bright scene with a close subject.',
};

export function analysisWith(count: number): Analysis {
  return {
    summary: 'A well-lit portrait with a busy background.',
    scores: { exposure: 7, contrast: 6, color: 7, sharpness: 8, composition: 5, overall: 6.5 },
    strengths: ['sharp subject'],
    issues: ['busy background'],
    suggestions: Array.from({ length: count }, (_, i) => ({
      title: `Edit ${i + 1}`,
      description: `Why edit ${i + 1} helps.`,
      instruction: `Apply edit ${i + 1}.`,
    })),
  };
}

export function makeStarted(requestId: string, original: Buffer, mimeType = 'image/png'): RequestStarted {
  return {
    requestId,
    engine: 'local',
    createdAt: new Date(Number(requestId.split('_')[1])).toISOString(),
    connectionId: 'conn-1',
    upload: {
      size: original.length,
      format: mimeType.split('/')[1],
      mimeType,
      width: 64,
      height: 48,
      sha256: createHash('sha256').update(original).digest('hex'),
      originalName: 'photo.png',
    },
    original,
  };
}

export interface Lifecycle {
  started: RequestStarted;
  events: PipelineEvent[];
  finished: RequestFinished;
}

/**
 * A complete successful request with `images` generated images (the last one failed when
 * `failLast`), 7 + 2 × images events.
 */
export function makeLifecycle(
  requestId: string,
  options: { original?: Buffer; images?: Buffer[]; failLast?: boolean } = {},
): Lifecycle {
  const imageData = options.images ?? [randomBytes(2048), randomBytes(3072), randomBytes(1024)];
  const total = imageData.length;
  const original = options.original ?? randomBytes(4096);
  const at = (ms: number) => new Date(Number(requestId.split('_')[1]) + ms).toISOString();
  const base = (ms: number) => ({ requestId, timestamp: at(ms), message: 'step' });
  const finishedImages: FinishedImage[] = imageData.map((data, i) =>
    options.failLast && i === total - 1
      ? { index: i + 1, title: `Edit ${i + 1}`, status: 'failed', error: 'upstream timeout' }
      : { index: i + 1, title: `Edit ${i + 1}`, status: 'completed', mimeType: 'image/jpeg', width: 64, height: 48, data },
  );
  const generated = finishedImages.filter((image) => image.status === 'completed').length;
  const events: PipelineEvent[] = [
    { type: 'processing_started', ...base(1), connectionId: 'conn-1' },
    { type: 'analysis_started', ...base(2) },
    { type: 'content_analysis_complete', ...base(3), settings, durationMs: 3 },
    { type: 'photo_analysis_complete', ...base(4), analysis: analysisWith(total), suggestionsCount: total, durationMs: 4 },
    { type: 'image_generation_started', ...base(5), totalImages: total },
    ...finishedImages.map(
      (image): PipelineEvent => ({
        type: 'individual_image_started',
        ...base(6),
        imageIndex: image.index,
        totalImages: total,
        title: image.title,
      }),
    ),
    ...finishedImages.map(
      (image): PipelineEvent =>
        image.status === 'completed'
          ? {
              type: 'individual_image_completed',
              ...base(7 + image.index),
              imageIndex: image.index,
              totalImages: total,
              title: image.title,
              imageData: (image.data as Buffer).toString('base64'),
              mimeType: 'image/jpeg',
              durationMs: 5,
            }
          : {
              type: 'individual_image_error',
              ...base(7 + image.index),
              imageIndex: image.index,
              totalImages: total,
              title: image.title,
              error: 'upstream timeout',
            },
    ),
    { type: 'image_generation_completed', ...base(20), imagesGenerated: generated, totalTime: '20.00', durationMs: 15 },
    { type: 'processing_completed', ...base(21), totalTime: '21.00', imagesGenerated: generated, durationMs: 21 },
  ];
  return {
    started: makeStarted(requestId, original),
    events,
    finished: {
      requestId,
      status: 'completed',
      completedAt: at(21),
      totalTime: '21.00',
      timings: { content_analysis: 3, photo_analysis: 4, image_generation: 15 },
      settings,
      analysis: analysisWith(total),
      images: finishedImages,
      imagesGenerated: generated,
    },
  };
}
