/**
 * The one place that loads `@google/genai`. The package is ESM-first ("type": "module") with
 * a CommonJS build under its `require` export condition; this project compiles to CommonJS,
 * so types come through an ESM-resolution type import and the value through `require`.
 */
import type * as GenAI from '@google/genai' with { 'resolution-mode': 'import' };

export type GenerateContentConfig = GenAI.GenerateContentConfig;
export type GenerateContentParameters = GenAI.GenerateContentParameters;
export type GenerateContentResponse = GenAI.GenerateContentResponse;
export type GoogleGenAIOptions = GenAI.GoogleGenAIOptions;

// eslint-disable-next-line @typescript-eslint/no-require-imports
const sdk = require('@google/genai') as typeof GenAI;

/** The SDK's client class (CommonJS build). */
export const GoogleGenAI: typeof GenAI.GoogleGenAI = sdk.GoogleGenAI;
