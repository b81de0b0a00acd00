import { EXIT, Failure } from './Failure';
import type { Options } from './Options';
import { USAGE } from './usage';

/** Parses argv (without node and script) and the environment. Throws Failure on bad usage. */
export function parseOptions(argv: string[], env: NodeJS.ProcessEnv): Options {
  const flags = new Map<string, string>();
  const positional: string[] = [];
  let help = false;
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (arg === '-h' || arg === '--help') help = true;
    else if (arg.startsWith('--')) {
      const [name, inline] = arg.slice(2).split(/=(.*)/s, 2);
      if (!['url', 'ws', 'token', 'timeout', 'out'].includes(name)) throw new Failure(`Unknown option --${name}\n\n${USAGE}`, EXIT.usage);
      const value = inline ?? argv[++i];
      if (value === undefined || value === '') throw new Failure(`Option --${name} needs a value`, EXIT.usage);
      flags.set(name, value);
    } else positional.push(arg);
  }
  if (positional.length > 1) throw new Failure(`Expected at most one photo, got: ${positional.join(' ')}`, EXIT.usage);

  // A blank variable (`API_URL=` in .env) means the default, as it does for the service.
  const apiUrl = (flags.get('url') ?? (env.API_URL || defaultApiUrl(env))).replace(/\/+$/, '');
  const timeoutSeconds = Number(flags.get('timeout') ?? (env.TIMEOUT_SECONDS || 120));
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0) throw new Failure('--timeout must be a positive number of seconds', EXIT.usage);
  return {
    photo: positional[0] ?? './ss.jpg',
    apiUrl,
    wsUrl: flags.get('ws') ?? (env.WS_URL || undefined),
    wsPortFallback: Number(env.WS_PORT) || 4001,
    token: flags.get('token') ?? (env.WS_AUTH_TOKEN || undefined),
    timeoutMs: timeoutSeconds * 1000,
    outDir: flags.get('out') ?? './test-outputs',
    help,
  };
}

/** Where a service started from the same .env listens: HOST (a wildcard means this machine) and HTTP_PORT. */
function defaultApiUrl(env: NodeJS.ProcessEnv): string {
  const host = !env.HOST || env.HOST === '0.0.0.0' || env.HOST === '::' ? 'localhost' : env.HOST;
  return `http://${host.includes(':') ? `[${host}]` : host}:${env.HTTP_PORT || 4000}`;
}
