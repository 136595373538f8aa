import { splitLines, TruncatedObjectError } from '../../../lambda/status/object-lines';

async function collect(chunks: (Buffer | string)[]): Promise<string[]> {
  async function* source() {
    yield* chunks;
  }
  const out: string[] = [];
  for await (const lines of splitLines(source())) out.push(...lines);
  return out;
}

describe('splitLines', () => {
  it('splits on \\n across chunk boundaries', async () => {
    expect(await collect([Buffer.from('{"a":1}\n{"b"'), Buffer.from(':2}\n'), Buffer.from('{"c":3}\n')])).toEqual([
      '{"a":1}',
      '{"b":2}',
      '{"c":3}',
    ]);
  });

  it('decodes UTF-8 characters split between chunks', async () => {
    const text = Buffer.from('{"n":"日本🎯é"}\n');
    const chunks = Array.from(text, (byte) => Buffer.from([byte]));
    expect(await collect(chunks)).toEqual(['{"n":"日本🎯é"}']);
  });

  it('keeps U+2028 and \\r inside a line (only \\n ends one)', async () => {
    expect(await collect(['a\u2028b\rc\n'])).toEqual(['a\u2028b\rc']);
  });

  it('nothing in, no line; an empty line is a line', async () => {
    expect(await collect([])).toEqual([]);
    expect(await collect(['\n'])).toEqual(['']);
  });

  it('a partial last line means a cut-short object: it throws', async () => {
    await expect(collect(['{"a":1}\n{"b":'])).rejects.toBeInstanceOf(TruncatedObjectError);
  });
});
