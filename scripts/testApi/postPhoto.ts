import path from 'node:path';
import { EXIT, Failure } from './Failure';
import type { Options } from './Options';
import type { ProcessResponse } from './ProcessResponse';

/** Posts the photo; resolves with the parsed 2xx body, throws Failure otherwise. */
export async function postPhoto(options: Options, photo: Buffer, connectionId: string, signal: AbortSignal): Promise<ProcessResponse> {
  const form = new FormData();
  form.append('image', new Blob([new Uint8Array(photo)]), path.basename(options.photo));
  let response: Response;
  try {
    response = await fetch(`${options.apiUrl}/process-image`, { method: 'POST', body: form, headers: { 'X-Connection-Id': connectionId }, signal });
  } catch (err) {
    if (signal.aborted) throw signal.reason;
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const why = cause?.code === 'ECONNREFUSED' ? 'connection refused — is the server running?' : (cause?.message ?? (err as Error).message);
    throw new Failure(`Cannot reach the API at ${options.apiUrl}: ${why}`, EXIT.unreachable);
  }
  const text = await response.text();
  let body: ProcessResponse | undefined;
  try {
    body = JSON.parse(text) as ProcessResponse;
  } catch {
    body = undefined;
  }
  if (!response.ok || !body || body.success === false) {
    const detail = body?.error ? `${body.error.code ?? 'ERROR'}: ${body.error.message ?? ''}` : text.slice(0, 200);
    throw new Failure(`POST /process-image failed with HTTP ${response.status} ${detail}`, EXIT.failed);
  }
  return body;
}
