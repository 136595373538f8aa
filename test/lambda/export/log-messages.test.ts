/** Log messages are an interface (see lambda/commons/log-messages.ts): every log line takes its message from there. */
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { LOG_MESSAGE } from '../../lambda/commons/log-messages';

const LAMBDA = path.resolve(__dirname, '..', '..', 'lambda');
const sources = readdirSync(LAMBDA, { recursive: true, encoding: 'utf8' })
  .filter((file) => file.endsWith('.ts'))
  .map((file) => ({ file, text: readFileSync(path.join(LAMBDA, file), 'utf8') }));

describe('LOG_MESSAGE', () => {
  it('every logger call of the function takes its message from LOG_MESSAGE', () => {
    const calls = sources.flatMap(({ file, text }) =>
      // `logger.info(...)`, and export-job.ts's `log(...)`, which is logger.info or logger.error.
      [...text.matchAll(/(?:\blogger\.(?:debug|info|warn|error)|(?<![.\w])log)\(\s*([^,)]+)/g)].map((m) => ({ file, message: m[1]!.trim() })),
    );
    expect(calls).not.toHaveLength(0);
    expect(calls.filter((c) => !/^(?:ctx\.origin\.roleArn \? )?LOG_MESSAGE\.[A-Z_]+/.test(c.message))).toEqual([]);
  });

  it('every message is used, and no two are the same', () => {
    const all = sources.map((s) => s.text).join('\n');
    for (const key of Object.keys(LOG_MESSAGE)) expect(all).toContain(`LOG_MESSAGE.${key}`);
    expect(new Set(Object.values(LOG_MESSAGE)).size).toBe(Object.keys(LOG_MESSAGE).length);
  });
});
