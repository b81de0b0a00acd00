import { EXIT, Failure } from './Failure';

/** After the HTTP response, how long the terminal event may still take to arrive. */
const TERMINAL_GRACE_MS = 5_000;

/** The terminal event normally precedes the HTTP answer; allow it a short grace after. */
export async function withinGrace<T>(terminal: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Failure(`HTTP answered, but no terminal event arrived over the WebSocket within ${TERMINAL_GRACE_MS / 1000}s`, EXIT.failed)),
      TERMINAL_GRACE_MS,
    );
  });
  try {
    return await Promise.race([terminal, late]);
  } finally {
    clearTimeout(timer);
  }
}
