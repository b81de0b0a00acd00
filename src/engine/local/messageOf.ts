/** The message of an unknown thrown value, for wrapping it in an EngineError. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
