/**
 * Reading a generateContent response: the JSON text answer of the agents, or the image of
 * the image model, with a readable EngineError for every way a response can carry neither.
 * Messages read "Gemini <what happened>", as toEngineError's do, so that the pipeline's
 * "<stage> failed: " prefix gives every failure one form.
 */
import type { z } from 'zod';
import { EngineError } from '../../errors/EngineError';
import type { GeneratedImage } from '../ImageEngine';
import { decodeGeneratedImage, type GeneratedImageLimits } from './decodeGeneratedImage';
import { parseJsonAnswer } from './parseJsonAnswer';

/** The parts of a GenerateContentResponse this engine reads (the SDK's class satisfies it). */
export interface GeminiResponseLike {
  candidates?: Array<{
    content?: { parts?: Array<{ text?: string; thought?: boolean; inlineData?: { mimeType?: string; data?: string } }> };
    finishReason?: string;
    finishMessage?: string;
  }>;
  promptFeedback?: { blockReason?: string; blockReasonMessage?: string };
  usageMetadata?: { promptTokenCount?: number; candidatesTokenCount?: number; thoughtsTokenCount?: number };
}

const FINISH_REASONS: Record<string, string> = {
  MAX_TOKENS: 'the answer was cut off at the output token limit',
  SAFETY: 'blocked by Gemini safety filters',
  RECITATION: 'blocked for reciting copyrighted material',
  LANGUAGE: 'the language is not supported',
  BLOCKLIST: 'blocked by a term blocklist',
  PROHIBITED_CONTENT: 'blocked as prohibited content',
  SPII: 'blocked for containing sensitive personal information',
  IMAGE_SAFETY: 'the generated image was blocked by Gemini safety filters',
  IMAGE_PROHIBITED_CONTENT: 'the generated image was blocked as prohibited content',
  IMAGE_RECITATION: 'the generated image was blocked for recitation',
  IMAGE_OTHER: 'the image could not be generated',
  NO_IMAGE: 'the model produced no image',
  OTHER: 'generation stopped for an unspecified reason',
};

/** Explains why a response has no usable content, or returns undefined when nothing is wrong. */
export function describeBlock(response: GeminiResponseLike): string | undefined {
  const block = response.promptFeedback?.blockReason;
  if (block) {
    const why = response.promptFeedback?.blockReasonMessage;
    return `the prompt was blocked by Gemini safety filters (${block})${why ? `: ${why}` : ''}`;
  }
  const candidate = response.candidates?.[0];
  if (!candidate) return 'the response had no candidates';
  const reason = candidate.finishReason;
  if (reason && reason !== 'STOP' && reason !== 'FINISH_REASON_UNSPECIFIED') {
    const text = FINISH_REASONS[reason] ?? 'generation stopped early';
    return `${text} (finishReason ${reason})${candidate.finishMessage ? `: ${candidate.finishMessage}` : ''}`;
  }
  return undefined;
}

type Part = NonNullable<NonNullable<NonNullable<GeminiResponseLike['candidates']>[number]['content']>['parts']>[number];

/**
 * The first candidate's parts that are objects. The SDK passes the JSON on unchecked, and
 * `parts: "x"` or `[null]` from a broken upstream must read as no answer, not as a TypeError.
 */
function answerParts(response: GeminiResponseLike): Part[] {
  const parts = response.candidates?.[0]?.content?.parts;
  return Array.isArray(parts) ? parts.filter((p): p is Part => typeof p === 'object' && p !== null) : [];
}

function answerText(response: GeminiResponseLike): string {
  return answerParts(response)
    .filter((p) => typeof p.text === 'string' && !p.thought)
    .map((p) => p.text)
    .join('');
}

/**
 * Whether a part's bytes are to be read as the image: its type says image (in any case), or
 * says nothing useful (absent, octet-stream). The bytes are then decoded and labelled by what
 * they are; calling such a part "no image" would say Gemini sent none when it did.
 */
function mayBeImage(part: Part): boolean {
  const data = part.inlineData?.data;
  if (part.thought || typeof data !== 'string' || !data) return false;
  const type = part.inlineData?.mimeType?.trim().toLowerCase();
  return !type || type.startsWith('image/') || type === 'application/octet-stream';
}

/**
 * Parses the JSON text answer (bare, fenced or in prose: see parseJsonAnswer) and validates it
 * with `schema`. Invalid JSON, a schema mismatch, a block or an early stop all become an
 * EngineError saying what Gemini returned; the pipeline names the stage that failed.
 */
export function readJsonAnswer<S extends z.ZodType>(response: GeminiResponseLike, schema: S): z.infer<S> {
  const blocked = describeBlock(response);
  if (blocked) throw new EngineError(`Gemini returned no answer: ${blocked}`, { status: 502 });
  const text = answerText(response).trim();
  if (!text) throw new EngineError('Gemini returned an empty answer', { status: 502 });
  let json: unknown;
  try {
    json = parseJsonAnswer(text);
  } catch (error) {
    throw new EngineError(`Gemini returned an answer that is not valid JSON (${excerpt(text)})`, {
      cause: error,
      status: 502,
    });
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .slice(0, 3)
      .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
      .join('; ');
    throw new EngineError(`Gemini returned an answer that does not match the schema (${issues})`, {
      cause: parsed.error,
      status: 502,
    });
  }
  return parsed.data;
}

/** Finds the image part of an image-model response, checks it against `limits`, decodes it and measures it. */
export async function readImageAnswer(response: GeminiResponseLike, limits: GeneratedImageLimits): Promise<GeneratedImage> {
  const imagePart = answerParts(response).find(mayBeImage);
  if (!imagePart?.inlineData?.data) {
    const blocked = describeBlock(response);
    const said = answerText(response).trim();
    throw new EngineError(`Gemini returned no image${blocked ? `: ${blocked}` : ''}${said ? ` (model said: ${excerpt(said)})` : ''}`, {
      status: 502,
    });
  }
  return decodeGeneratedImage(Buffer.from(imagePart.inlineData.data, 'base64'), limits);
}

function excerpt(text: string): string {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > 80 ? `"${flat.slice(0, 79)}…"` : `"${flat}"`;
}
