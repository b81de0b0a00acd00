/**
 * The service cannot start as configured. The message is the one line an operator needs,
 * naming the environment variable to change (`variable`); the entry point prints it without a
 * stack and exits non-zero.
 */
export class StartupError extends Error {
  constructor(
    message: string,
    readonly variable: string,
    options: { cause?: unknown } = {},
  ) {
    super(message, options);
    this.name = 'StartupError';
  }
}
