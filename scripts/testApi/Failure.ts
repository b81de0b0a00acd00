/** The script's exit codes (test-api.ts's header says what each means). */
export const EXIT = { ok: 0, failed: 1, usage: 2, unreachable: 3, timeout: 4 } as const;

/** An expected way to fail: printed as one clear line, exits with `exitCode`. */
export class Failure extends Error {
  constructor(message: string, readonly exitCode: number) {
    super(message);
  }
}
