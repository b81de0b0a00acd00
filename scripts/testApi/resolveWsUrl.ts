import { EXIT, Failure } from './Failure';

/**
 * The event server runs on the API's host: on the port its /ws-health reports, or `fallbackPort`.
 * (Only the port is taken from /ws-health: behind a proxy the host it sees is not ours.)
 */
export async function resolveWsUrl(apiUrl: string, fallbackPort: number): Promise<string> {
  let api: URL;
  try {
    api = new URL(apiUrl);
  } catch {
    throw new Failure(`Not a valid API URL: ${apiUrl}`, EXIT.usage);
  }
  let port = fallbackPort;
  try {
    const response = await fetch(`${apiUrl}/ws-health`, { signal: AbortSignal.timeout(3_000) });
    const reported = ((await response.json()) as { port?: unknown }).port;
    if (Number.isInteger(reported) && (reported as number) > 0) port = reported as number;
  } catch {
    // No /ws-health (or no server yet): the default port; connecting will say what is wrong.
  }
  return `${api.protocol === 'https:' ? 'wss' : 'ws'}://${api.host.replace(/:\d+$/, '')}:${port}`;
}
