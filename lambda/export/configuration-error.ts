/** Bad configuration or input, found before any API call. The message names each bad value. */
export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';

  constructor(readonly problems: readonly string[]) {
    super(problems.length === 1 ? problems[0]! : `Invalid configuration: ${problems.join('; ')}`);
  }
}
