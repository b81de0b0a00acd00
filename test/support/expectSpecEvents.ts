/**
 * SPEC §4's event table, written out here on its own rather than read from the service's zod
 * schemas: a field renamed or dropped in the schemas and the code together still breaks these
 * checks, as it would break a client.
 */
import type { ReceivedMessage } from './createWsClient';

type FieldKind = 'string' | 'number' | 'object' | 'base64' | 'totalTime' | 'stage' | 'imageIndex';

/** The fields SPEC §4 gives each event type, beyond `type` and `timestamp` (and `requestId`, `message` for pipeline events). */
const SPEC_FIELDS: Record<string, Record<string, FieldKind>> = {
  connection_established: { connectionId: 'string' },
  processing_started: {},
  analysis_started: {},
  content_analysis_complete: { settings: 'object', durationMs: 'number' },
  photo_analysis_complete: { analysis: 'object', suggestionsCount: 'number', durationMs: 'number' },
  image_generation_started: { totalImages: 'number' },
  individual_image_started: { imageIndex: 'imageIndex', totalImages: 'number', title: 'string' },
  individual_image_completed: { imageIndex: 'imageIndex', totalImages: 'number', title: 'string', imageData: 'base64', mimeType: 'string', durationMs: 'number' },
  individual_image_error: { imageIndex: 'imageIndex', totalImages: 'number', title: 'string', error: 'string' },
  image_generation_completed: { imagesGenerated: 'number', totalTime: 'totalTime', durationMs: 'number' },
  image_generation_error: { error: 'string' },
  processing_completed: { totalTime: 'totalTime', imagesGenerated: 'number', durationMs: 'number' },
  processing_error: { error: 'string', stage: 'stage', totalTime: 'totalTime' },
};

const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const REQUEST_ID = /^req_\d{13}_[0-9a-z]{9}$/;
const STAGES = ['validation', 'content_analysis', 'photo_analysis', 'image_generation'];

function problemOf(kind: FieldKind, value: unknown): string | undefined {
  switch (kind) {
    case 'string':
      return typeof value === 'string' ? undefined : 'a string';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? undefined : 'a non-negative number';
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value) ? undefined : 'an object';
    case 'base64':
      return typeof value === 'string' && value.length > 0 && /^[A-Za-z0-9+/]+={0,2}$/.test(value) ? undefined : 'non-empty base64';
    case 'totalTime':
      return typeof value === 'string' && /^\d+\.\d{2}$/.test(value) ? undefined : 'milliseconds as a string with two decimals';
    case 'stage':
      return typeof value === 'string' && STAGES.includes(value) ? undefined : `one of ${STAGES.join(', ')}`;
    case 'imageIndex':
      return Number.isInteger(value) && (value as number) >= 1 ? undefined : 'a 1-based whole number';
  }
}

/** Every problem of one message against SPEC §4 (empty when it complies). */
export function specProblems(event: ReceivedMessage): string[] {
  const fields = SPEC_FIELDS[event.type];
  if (!fields) return [`${event.type}: not an event type of SPEC §4`];
  const required: Record<string, FieldKind> = {
    ...(event.type === 'connection_established' ? {} : { requestId: 'string', message: 'string' }),
    ...fields,
  };
  const problems: string[] = [];
  if (typeof event.timestamp !== 'string' || !ISO_8601.test(event.timestamp)) problems.push(`${event.type}.timestamp must be ISO 8601`);
  if ('requestId' in required && !REQUEST_ID.test(String(event.requestId))) problems.push(`${event.type}.requestId must look like req_<epoch ms>_<9 base-36 chars>`);
  for (const [field, kind] of Object.entries(required)) {
    const problem = problemOf(kind, event[field]);
    if (problem) problems.push(`${event.type}.${field} must be ${problem} (got ${JSON.stringify(event[field])?.slice(0, 40)})`);
  }
  if (typeof event.totalImages === 'number' && typeof event.imageIndex === 'number' && event.imageIndex > event.totalImages) {
    problems.push(`${event.type}.imageIndex ${event.imageIndex} is over totalImages ${event.totalImages}`);
  }
  return problems;
}

/**
 * Asserts every message carries SPEC §4's fields, and that one request's events agree with each
 * other: one `totalImages`, `suggestionsCount` the analysis's suggestions, `imagesGenerated` the
 * images completed.
 */
export function expectSpecEvents(events: ReceivedMessage[]): void {
  const problems = events.flatMap(specProblems);
  const totals = new Set(events.filter((e) => 'totalImages' in e).map((e) => e.totalImages));
  if (totals.size > 1) problems.push(`events disagree on totalImages: ${[...totals].join(', ')}`);
  const analysed = events.find((e) => e.type === 'photo_analysis_complete');
  const suggestions = (analysed?.analysis as { suggestions?: unknown[] } | undefined)?.suggestions;
  if (analysed && analysed.suggestionsCount !== suggestions?.length) {
    problems.push(`suggestionsCount ${String(analysed.suggestionsCount)} is not the ${String(suggestions?.length)} suggestions of the analysis`);
  }
  const made = events.filter((e) => e.type === 'individual_image_completed').length;
  for (const e of events.filter((m) => m.type === 'image_generation_completed' || m.type === 'processing_completed')) {
    if (e.imagesGenerated !== made) problems.push(`${e.type}.imagesGenerated ${String(e.imagesGenerated)} is not the ${made} images completed`);
  }
  if (problems.length > 0) throw new Error(`events break SPEC §4:\n${problems.join('\n')}`);
}
