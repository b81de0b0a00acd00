import type { Stage } from '../events/eventSchemas';

/** The `message` of a `processing_error` failed in `stage` with `error` ("Processing failed during photo analysis: …"). */
export function processingErrorMessage(stage: Stage, error: string): string {
  return `Processing failed during ${stage.replace('_', ' ')}: ${error}`;
}
