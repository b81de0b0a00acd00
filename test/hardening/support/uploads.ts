/**
 * Uploading through Node's own fetch and FormData, plus a GET for health.
 */
export interface UploadResult {
  status: number;
  headers: Headers;
  body: { success: boolean; requestId?: string; error?: { code: string; message: string }; imagesGenerated?: number; [key: string]: unknown };
}

/** POSTs `bytes` as the file field `image` of a multipart form. */
export async function upload(
  httpUrl: string,
  bytes: Buffer,
  options: { filename?: string; contentType?: string; headers?: Record<string, string>; fields?: Record<string, string>; signal?: AbortSignal } = {},
): Promise<UploadResult> {
  const form = new FormData();
  for (const [name, value] of Object.entries(options.fields ?? {})) form.append(name, value);
  form.append('image', new Blob([new Uint8Array(bytes)], { type: options.contentType ?? 'image/jpeg' }), options.filename ?? 'photo.jpg');
  const res = await fetch(`${httpUrl}/process-image`, { method: 'POST', body: form, headers: options.headers, signal: options.signal });
  return { status: res.status, headers: res.headers, body: (await res.json()) as UploadResult['body'] };
}

export interface HealthBody {
  status: string;
  draining: boolean;
  requests: { running: number; queued: number; max: number; maxQueue: number };
  websocket: { connections: number };
}

export async function health(httpUrl: string): Promise<{ status: number; body: HealthBody }> {
  const res = await fetch(`${httpUrl}/health`);
  return { status: res.status, body: (await res.json()) as HealthBody };
}
