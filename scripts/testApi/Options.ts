/** What one run of test-api.ts does, from its arguments and environment. */
export interface Options {
  photo: string;
  apiUrl: string;
  /** Unset: asked from the API's /ws-health, else `wsPortFallback` on the API's host. */
  wsUrl?: string;
  wsPortFallback: number;
  token?: string;
  timeoutMs: number;
  outDir: string;
  help: boolean;
}
