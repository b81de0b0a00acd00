/**
 * Every WebSocket/EventBus message, defined once as a zod schema (SPEC §4). The TypeScript
 * types are derived from these; tests validate every received event against them.
 * Adding fields is allowed; renaming or removing one breaks clients.
 */
import { z } from 'zod';
import { AnalysisSchema, CameraSettingsSchema } from '../domain/schemas';

/** `req_<epoch ms>_<9 base-36 chars>` */
export const REQUEST_ID_PATTERN = /^req_\d{13}_[0-9a-z]{9}$/;

export const STAGES = ['validation', 'content_analysis', 'photo_analysis', 'image_generation'] as const;
export const StageSchema = z.enum(STAGES);
export type Stage = z.infer<typeof StageSchema>;

const timestamp = z.iso.datetime();
/** Milliseconds as a string with two decimals, e.g. "4523.45". */
const totalTime = z.string().regex(/^\d+\.\d{2}$/);
const durationMs = z.number().nonnegative();
const imageIndex = z.number().int().positive();

const base = { timestamp };
/**
 * The event's 1-based position in its request's stream, given once on the instance running the
 * request (before it reaches any transport), so it is the same on the wire on every instance and
 * in the stored log: a client that resumes after seq N is sent the events after it. Optional only
 * for events from a publisher of an earlier version.
 */
export const SeqSchema = z.number().int().positive();
const pipeline = { ...base, requestId: z.string().regex(REQUEST_ID_PATTERN), message: z.string(), seq: SeqSchema.optional() };

/** How the event server delivers pipeline events (WS_DELIVERY). */
export const DeliveryModeSchema = z.enum(['broadcast', 'subscribed']);

export const ConnectionEstablishedSchema = z.object({
  type: z.literal('connection_established'),
  ...base,
  connectionId: z.string().min(1),
  message: z.string().optional(),
  /** `broadcast`: every pipeline event; `subscribed`: only the requests this client started or subscribed to. */
  delivery: DeliveryModeSchema.optional(),
});
export type ConnectionEstablished = z.infer<typeof ConnectionEstablishedSchema>;

export const ProcessingStartedSchema = z.object({
  type: z.literal('processing_started'),
  ...pipeline,
  connectionId: z.string().optional(),
  /**
   * The longest the request may run (REQUEST_TIMEOUT_MS of the instance running it): an instance
   * allowing its own requests less does not give this one up as interrupted before then.
   */
  timeoutMs: z.number().int().positive().optional(),
});

export const AnalysisStartedSchema = z.object({ type: z.literal('analysis_started'), ...pipeline });

export const ContentAnalysisCompleteSchema = z.object({
  type: z.literal('content_analysis_complete'),
  ...pipeline,
  settings: CameraSettingsSchema,
  durationMs,
});

export const PhotoAnalysisCompleteSchema = z.object({
  type: z.literal('photo_analysis_complete'),
  ...pipeline,
  analysis: AnalysisSchema,
  suggestionsCount: z.number().int().nonnegative(),
  durationMs,
});

export const ImageGenerationStartedSchema = z.object({
  type: z.literal('image_generation_started'),
  ...pipeline,
  totalImages: z.number().int().positive(),
});

export const IndividualImageStartedSchema = z.object({
  type: z.literal('individual_image_started'),
  ...pipeline,
  imageIndex,
  totalImages: z.number().int().positive(),
  title: z.string(),
});

export const IndividualImageCompletedSchema = z.object({
  type: z.literal('individual_image_completed'),
  ...pipeline,
  imageIndex,
  totalImages: z.number().int().positive(),
  title: z.string(),
  /** Base64. Omitted only in the stored event log, never on the wire. */
  imageData: z.string().min(1),
  mimeType: z.string(),
  width: z.number().int().positive().optional(),
  height: z.number().int().positive().optional(),
  durationMs,
});

export const IndividualImageErrorSchema = z.object({
  type: z.literal('individual_image_error'),
  ...pipeline,
  imageIndex,
  totalImages: z.number().int().positive(),
  title: z.string(),
  error: z.string(),
  durationMs: durationMs.optional(),
});

export const ImageGenerationCompletedSchema = z.object({
  type: z.literal('image_generation_completed'),
  ...pipeline,
  imagesGenerated: z.number().int().positive(),
  totalImages: z.number().int().positive().optional(),
  totalTime,
  durationMs,
});

export const ImageGenerationErrorSchema = z.object({
  type: z.literal('image_generation_error'),
  ...pipeline,
  error: z.string(),
  durationMs: durationMs.optional(),
});

export const ProcessingCompletedSchema = z.object({
  type: z.literal('processing_completed'),
  ...pipeline,
  totalTime,
  imagesGenerated: z.number().int().positive(),
  durationMs,
});

export const ProcessingErrorSchema = z.object({
  type: z.literal('processing_error'),
  ...pipeline,
  error: z.string(),
  code: z.string().optional(),
  stage: StageSchema,
  totalTime,
});

/** Events produced by the pipeline for one request. */
export const PipelineEventSchema = z.discriminatedUnion('type', [
  ProcessingStartedSchema,
  AnalysisStartedSchema,
  ContentAnalysisCompleteSchema,
  PhotoAnalysisCompleteSchema,
  ImageGenerationStartedSchema,
  IndividualImageStartedSchema,
  IndividualImageCompletedSchema,
  IndividualImageErrorSchema,
  ImageGenerationCompletedSchema,
  ImageGenerationErrorSchema,
  ProcessingCompletedSchema,
  ProcessingErrorSchema,
]);

/** Everything a client can receive from the event server. */
export const ServerMessageSchema = z.discriminatedUnion('type', [
  ConnectionEstablishedSchema,
  ...PipelineEventSchema.options,
]);

export type PipelineEvent = z.infer<typeof PipelineEventSchema>;
export type PipelineEventType = PipelineEvent['type'];
export type ServerMessage = z.infer<typeof ServerMessageSchema>;
/** The event of one type, e.g. `EventOf<'processing_started'>`. */
export type EventOf<T extends PipelineEventType> = Extract<PipelineEvent, { type: T }>;

/** Terminal events: exactly one per request. */
export const TERMINAL_EVENT_TYPES: ReadonlySet<PipelineEventType> = new Set(['processing_completed', 'processing_error']);
