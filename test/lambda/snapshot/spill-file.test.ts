import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { SpillFile } from '../../../lambda/snapshot/spill-file';

async function readAll(spill: SpillFile, group: string): Promise<{ text: string; chunks: number }> {
  let text = '';
  let chunks = 0;
  for await (const chunk of spill.read(group)) {
    text += chunk;
    chunks++;
  }
  return { text, chunks };
}

describe('SpillFile', () => {
  let parent: string;
  beforeEach(() => {
    parent = mkdtempSync(path.join(tmpdir(), 'spill-test-'));
  });
  afterEach(() => rmSync(parent, { recursive: true, force: true }));

  it('gives each group back its lines in the order written, however they were interleaved', async () => {
    const spill = await SpillFile.create(parent);
    const expected = new Map<string, string>();
    for (let page = 0; page < 50; page++) {
      const blocks = [];
      for (let g = 0; g < 7; g++) {
        if ((page + g) % 3 === 0) continue;
        const text = `{"g":${g},"page":${page},"s":"été 日本 ✓"}\n`.repeat((page % 4) + 1);
        blocks.push({ group: `group-${g}`, text });
        expected.set(`group-${g}`, (expected.get(`group-${g}`) ?? '') + text);
      }
      await spill.append(blocks);
    }
    for (const [group, text] of expected) expect((await readAll(spill, group)).text).toBe(text);
    expect(spill.bytes).toBe([...expected.values()].reduce((n, t) => n + Buffer.byteLength(t), 0));
    await spill.dispose();
  });

  it('an unknown group reads as nothing; empty blocks add nothing', async () => {
    const spill = await SpillFile.create(parent);
    await spill.append([{ group: 'a', text: '' }]);
    expect(spill.bytes).toBe(0);
    expect(await readAll(spill, 'a')).toEqual({ text: '', chunks: 0 });
    expect(await readAll(spill, 'nope')).toEqual({ text: '', chunks: 0 });
    await spill.dispose();
  });

  it('reads a large group in chunks of whole lines of about 1 MiB, never splitting a character', async () => {
    const spill = await SpillFile.create(parent);
    const line = `{"name":"${'日本'.repeat(200)}"}\n`;
    let expected = '';
    for (let i = 0; i < 3000; i++) {
      // Consecutive blocks of one group, interleaved with another group now and then.
      await spill.append([{ group: 'big', text: line }, ...(i % 100 === 0 ? [{ group: 'other', text: 'x\n' }] : [])]);
      expected += line;
    }
    const { text, chunks } = await readAll(spill, 'big');
    expect(text).toBe(expected);
    expect(chunks).toBeGreaterThanOrEqual(Math.floor(Buffer.byteLength(expected) / (1024 * 1024)));
    let chunkCount = 0;
    for await (const chunk of spill.read('big')) {
      expect(chunk.endsWith('\n')).toBe(true);
      expect(Buffer.byteLength(chunk)).toBeLessThanOrEqual(1024 * 1024);
      chunkCount++;
    }
    expect(chunkCount).toBe(chunks);
    await spill.dispose();
  });

  it('dispose removes its directory, and creating never reuses one', async () => {
    const a = await SpillFile.create(parent);
    const b = await SpillFile.create(parent);
    expect(readdirSync(parent)).toHaveLength(2);
    await a.dispose();
    await b.dispose();
    expect(readdirSync(parent)).toHaveLength(0);
    expect(existsSync(parent)).toBe(true);
  });
});
