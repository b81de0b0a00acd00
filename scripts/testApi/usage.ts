/** The script's --help text. */
export const USAGE = `Usage: npx ts-node test-api.ts [photo] [options]

  photo              image to upload (default ./ss.jpg)
  --url <url>        HTTP API base       (env API_URL, default http://HOST:HTTP_PORT as the
                     service reads them, a wildcard HOST meaning localhost, else localhost:4000)
  --ws <url>         WebSocket URL       (env WS_URL, default: the API host, on the
                     port its /ws-health reports, else WS_PORT, else 4001)
  --token <token>    WebSocket token     (env WS_AUTH_TOKEN)
  --timeout <s>      give up after s seconds (env TIMEOUT_SECONDS, default 120)
  --out <dir>        where images are saved (default ./test-outputs)
  -h, --help         this text

Variables are read from the environment and from ./.env (the service's settings file,
so HOST, HTTP_PORT, WS_PORT and WS_AUTH_TOKEN there apply); the environment wins.

Exit codes: 0 ok, 1 processing failed, 2 usage/photo/output-folder error, 3 server unreachable,
4 timeout.`;
