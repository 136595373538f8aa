/**
 * One naming convention for the project's errors: a class `XxxError` has `name` 'XxxError', so that the `error.name`
 * of a manifest entry or a log line is the class to look up.
 */
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
/**
 * Errors in the shape of the official SDK's: `name` is the service's error shape (`ThrottlingException`, ...), which
 * the SDK's retry rules read. The emulators in local/ do the same on the server side.
 */
const SERVICE_SHAPED = ['CleanRoomsMLServiceException'];
const files = ['lambda', 'lib'].flatMap((folder) =>
  readdirSync(path.join(ROOT, folder), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts'))
    .map((file) => path.join(folder, file)),
);
/** Each error class and the name it sets, from the source. */
const classes = files.flatMap((file) => {
  const text = readFileSync(path.join(ROOT, file), 'utf8');
  return [...text.matchAll(/class (\w+) extends (\w*Error)\b[^{]*\{([\s\S]*?)\n\}/g)].map(([, className, base, body]) => ({
    file,
    className: className!,
    base: base!,
    name: /(?:override readonly name(?:: string)? = |this\.name = )'(\w+)'/.exec(body!)?.[1],
  }));
});

describe('error classes', () => {
  it('are found', () => {
    expect(classes.map((c) => c.className)).toEqual(
      expect.arrayContaining([
        'ConfigurationError',
        'ConfigError',
        'CredentialsError',
        'CredentialsRejectedError',
        'DeadlineExceededError',
        'ExportFailedError',
        'SourceUnavailableError',
        'WriterAbortedError',
        'InvalidResponseError',
        'PaginationLoopError',
        'ScheduleExpressionError',
      ]),
    );
  });

  it("each one's name ends in Error and is its class name", () => {
    const own = classes.filter((c) => !SERVICE_SHAPED.includes(c.className));
    expect(own.filter((c) => c.name !== c.className || !c.className.endsWith('Error'))).toEqual([]);
  });
});
