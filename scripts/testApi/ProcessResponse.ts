/** The part of the `POST /process-image` answer this script uses. */
export interface ProcessResponse {
  success?: boolean;
  requestId?: string;
  engine?: string;
  totalTime?: string;
  imagesGenerated?: number;
  timings?: Record<string, number>;
  settings?: Record<string, unknown>;
  analysis?: { summary?: string; scores?: Record<string, number> };
  images?: Array<{ index: number; title?: string; mimeType?: string; imageData?: string; error?: string }>;
  error?: { code?: string; message?: string };
}
