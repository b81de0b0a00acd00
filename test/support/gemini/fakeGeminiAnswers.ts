/**
 * Default answers of the fake Gemini server: what a well-behaved model would send back.
 */
import sharp from 'sharp';
import type { FakeGeminiCall, FakeGeminiUsage } from './fakeGeminiTypes';

/** Titles of the default suggestions, in order; tests can target one by its title. */
export const FAKE_SUGGESTION_TITLES = [
  'Warm up the colours',
  'Crop tighter on the subject',
  'Lift the shadows',
  'Add gentle contrast',
  'Convert to black and white',
  'Sharpen fine detail',
  'Straighten the horizon',
  'Darken the corners',
] as const;

/** The default ContentAgent answer. */
export function fakeSettingsAnswer(): Record<string, unknown> {
  return {
    aperture: 'f/4',
    shutter_speed: '1/250',
    iso: '200',
    white_balance: 'Daylight (5500K)',
    exposure_compensation: '+0.3 EV',
    reason: 'Bright, even light allows a low ISO and a fast shutter to freeze the subject.',
  };
}

/** The default AnalysisAgent answer with `count` suggestions. */
export function fakeAnalysisAnswer(count: number): Record<string, unknown> {
  const suggestions = Array.from({ length: count }, (_, i) => {
    const title = FAKE_SUGGESTION_TITLES[i % FAKE_SUGGESTION_TITLES.length];
    const round = Math.floor(i / FAKE_SUGGESTION_TITLES.length);
    return {
      title: round === 0 ? title : `${title} (${round + 1})`,
      description: `Doing this would make the photo more engaging (suggestion ${i + 1}).`,
      instruction: `${title}: apply it subtly and keep the subject unchanged.`,
    };
  });
  return {
    summary: 'A pleasant photo with a clear subject; the light is flat and the frame is a little loose.',
    scores: { exposure: 6.5, contrast: 5, color: 6, sharpness: 7, composition: 5.5, overall: 6 },
    strengths: ['Clear subject', 'Good focus on the eyes'],
    issues: ['Flat light', 'Loose framing'],
    suggestions,
  };
}

/** The suggestion count a call asks for: schema minItems, else "exactly N" in the prompt. */
export function requestedSuggestionCount(call: FakeGeminiCall, fallback: number): number {
  const schema = call.generationConfig.responseJsonSchema as
    | { properties?: { suggestions?: { minItems?: number } } }
    | undefined;
  const fromSchema = schema?.properties?.suggestions?.minItems;
  if (typeof fromSchema === 'number' && fromSchema > 0) return fromSchema;
  const fromPrompt = /exactly (\d+)/i.exec(call.prompt);
  return fromPrompt ? Number(fromPrompt[1]) : fallback;
}

/** Which JSON answer a text call wants, judged from its response schema, then its prompt. */
export function fakeJsonAnswerFor(call: FakeGeminiCall, fallbackCount: number): Record<string, unknown> {
  const schema = call.generationConfig.responseJsonSchema as { properties?: Record<string, unknown> } | undefined;
  const props = schema?.properties ?? {};
  if ('suggestions' in props || /suggestion|critique/i.test(call.prompt)) {
    return fakeAnalysisAnswer(requestedSuggestionCount(call, fallbackCount));
  }
  return fakeSettingsAnswer();
}

const TINTS = [
  { r: 255, g: 170, b: 110 },
  { r: 110, g: 170, b: 255 },
  { r: 140, g: 255, b: 140 },
  { r: 255, g: 120, b: 220 },
];

/** A JPEG derived from the call's first input image (tinted), or a small swatch when none. */
export async function fakeImageFor(call: FakeGeminiCall, inputBase64: string | undefined): Promise<Buffer> {
  const tint = TINTS[(call.seq - 1) % TINTS.length];
  if (inputBase64) {
    try {
      return await sharp(Buffer.from(inputBase64, 'base64')).tint(tint).jpeg({ quality: 80 }).toBuffer();
    } catch {
      // fall through to a swatch: the fake's job is to answer, not to judge the input
    }
  }
  return sharp({ create: { width: 64, height: 48, channels: 3, background: tint } }).jpeg().toBuffer();
}

/** A plausible usageMetadata: ~4 characters a token, 258 tokens an input image, 1290 an output image. */
export function fakeUsage(call: FakeGeminiCall, output: { text?: string; image?: boolean }): FakeGeminiUsage {
  const promptTokenCount =
    Math.ceil((call.prompt.length + (call.systemInstruction?.length ?? 0)) / 4) + 258 * call.images.length;
  const candidatesTokenCount = (output.image ? 1290 : 0) + Math.ceil((output.text?.length ?? 0) / 4);
  return { promptTokenCount, candidatesTokenCount, totalTokenCount: promptTokenCount + candidatesTokenCount };
}

/** A successful GenerateContentResponse body with the given parts. */
export function fakeResponseBody(call: FakeGeminiCall, parts: unknown[], usage: FakeGeminiUsage): Record<string, unknown> {
  return {
    candidates: [{ content: { role: 'model', parts }, finishReason: 'STOP', index: 0 }],
    usageMetadata: usage,
    modelVersion: call.model,
    responseId: `fake-${call.seq}`,
  };
}
