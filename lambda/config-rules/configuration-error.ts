/**
 * Bad configuration or input, found before any API call: every problem found, each naming the bad value.
 *
 * The one configuration error of the project. The function's configuration (lambda/export/config.ts) and its event
 * (lambda/export/scheduled-time.ts) throw it with every problem at once; the stack's configuration (lib/config.ts)
 * throws its subclass `ConfigError`, one per bad context key.
 */
export class ConfigurationError extends Error {
  override readonly name: string = 'ConfigurationError';

  constructor(
    /** What is wrong, one problem per bad value, each naming the value. */
    readonly problems: readonly string[],
    message: string = problems.length === 1 ? problems[0] : `Invalid configuration: ${problems.join('; ')}`,
  ) {
    super(message);
  }
}
