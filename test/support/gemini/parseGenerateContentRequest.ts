/**
 * Reading a `generateContent` request into the fake server's call record.
 */
import type http from 'node:http';
import sharp from 'sharp';
import type { FakeGeminiCall } from './fakeGeminiTypes';

const MAX_BODY_BYTES = 64 * 1024 * 1024;

/** The request body as an object, or undefined when it is not a JSON object (or too large). */
export async function readJson(req: http.IncomingMessage): Promise<Record<string, unknown> | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  try {
    const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** A request content part. */
export interface Part {
  text?: string;
  inlineData?: { mimeType?: string; data?: string };
}

function userParts(body: Record<string, unknown>): Part[] {
  const contents = Array.isArray(body.contents) ? (body.contents as Array<{ parts?: Part[] }>) : [];
  return contents.flatMap((c) => (Array.isArray(c.parts) ? c.parts : []));
}

/** The first inline image of the user content. */
export function firstInlineData(body: Record<string, unknown>): Part['inlineData'] | undefined {
  return userParts(body).find((p) => p.inlineData?.data)?.inlineData;
}

/** Builds the call record; `seq` is set by the server when it records the call. */
export async function describeCall(
  req: http.IncomingMessage,
  url: URL,
  modelSegment: string,
  body: Record<string, unknown>,
): Promise<FakeGeminiCall> {
  const startedAt = performance.now();
  const parts = userParts(body);
  const generationConfig = (body.generationConfig as Record<string, unknown> | undefined) ?? {};
  const modalities = Array.isArray(generationConfig.responseModalities) ? (generationConfig.responseModalities as string[]) : [];
  const system = body.systemInstruction as { parts?: Part[] } | undefined;
  const images = await Promise.all(
    parts
      .filter((p) => p.inlineData?.data)
      .map(async (p) => {
        const bytes = Buffer.from(p.inlineData?.data ?? '', 'base64');
        const meta = await sharp(bytes).metadata().catch(() => undefined);
        return { mimeType: p.inlineData?.mimeType ?? '', bytes: bytes.length, width: meta?.width, height: meta?.height };
      }),
  );
  const header = req.headers['x-goog-api-key'];
  return {
    seq: 0, // numbered when recorded
    model: modelSegment,
    kind: modalities.map((m) => m.toUpperCase()).includes('IMAGE') ? 'image' : 'text',
    path: url.pathname,
    apiKey: (Array.isArray(header) ? header[0] : header) ?? url.searchParams.get('key') ?? undefined,
    prompt: parts.filter((p) => typeof p.text === 'string').map((p) => p.text).join('\n'),
    systemInstruction: system?.parts?.map((p) => p.text ?? '').join('\n') || undefined,
    images,
    generationConfig,
    body,
    startedAt,
    outcome: 'pending',
  };
}

