import { mkdtemp, open, rm, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

/** Reads of one collaboration's lines are merged up to this size: few system calls, little memory. */
const READ_CHUNK_BYTES = 1024 * 1024;

/**
 * Where a `*` walk keeps its records until the walk is complete: one append-only file on the function's ephemeral
 * storage (`/tmp`), shared by every collaboration, and per collaboration the byte ranges (extents) of its lines. Memory
 * holds only the extents (two numbers per run of lines), however many collaborations and jobs there are; no file
 * handle, gzip stream or upload is open per collaboration.
 */
export class SpillFile {
  private size = 0;
  private readonly extents = new Map<string, number[]>();

  private constructor(
    private readonly directory: string,
    private readonly file: FileHandle,
  ) {}

  /** Creates the file in a fresh directory under `parent` (default: the OS temporary directory, `/tmp` on Lambda). */
  static async create(parent: string = tmpdir()): Promise<SpillFile> {
    const directory = await mkdtemp(path.join(parent, 'audience-jobs-spill-'));
    try {
      return new SpillFile(directory, await open(path.join(directory, 'records.ndjson'), 'w+'));
    } catch (error) {
      await rm(directory, { recursive: true, force: true });
      throw error;
    }
  }

  /** Bytes written so far. */
  get bytes(): number {
    return this.size;
  }

  /**
   * Appends blocks of lines, each for its group, in one write. A block that directly follows the same group's previous
   * one extends its extent instead of adding one.
   */
  async append(blocks: readonly { group: string; text: string }[]): Promise<void> {
    const buffers: Buffer[] = [];
    let offset = this.size;
    for (const { group, text } of blocks) {
      if (text.length === 0) continue;
      const buffer = Buffer.from(text, 'utf8');
      buffers.push(buffer);
      let list = this.extents.get(group);
      if (!list) this.extents.set(group, (list = []));
      const last = list.length - 2;
      // Extents stay at most READ_CHUNK_BYTES long (unless one block is longer), so that a read never splits one.
      if (last >= 0 && list[last] + list[last + 1] === offset && list[last + 1] + buffer.length <= READ_CHUNK_BYTES) {
        list[last + 1] += buffer.length;
      } else list.push(offset, buffer.length);
      offset += buffer.length;
    }
    if (buffers.length === 0) return;
    const data = buffers.length === 1 ? buffers[0] : Buffer.concat(buffers);
    let written = 0;
    while (written < data.length) {
      const { bytesWritten } = await this.file.write(data, written, data.length - written, this.size + written);
      written += bytesWritten;
    }
    this.size += data.length;
  }

  /** A group's lines, in the order written, in chunks of whole extents of about {@link READ_CHUNK_BYTES}. */
  async *read(group: string): AsyncGenerator<string> {
    const list = this.extents.get(group) ?? [];
    let i = 0;
    while (i < list.length) {
      const start = i;
      let total = 0;
      while (i < list.length && (i === start || total + list[i + 1] <= READ_CHUNK_BYTES)) {
        total += list[i + 1];
        i += 2;
      }
      const buffer = Buffer.allocUnsafe(total);
      let at = 0;
      for (let k = start; k < i; k += 2) {
        const offset = list[k];
        const length = list[k + 1];
        let read = 0;
        while (read < length) {
          const { bytesRead } = await this.file.read(buffer, at + read, length - read, offset + read);
          if (bytesRead === 0) throw new Error(`Spill file ended early at byte ${offset + read} of ${this.size}`);
          read += bytesRead;
        }
        at += length;
      }
      // Extents hold whole lines, so a chunk never splits a line or a character.
      yield buffer.toString('utf8');
    }
  }

  /** Closes and removes the file. */
  async dispose(): Promise<void> {
    await this.file.close().catch(() => undefined);
    await rm(this.directory, { recursive: true, force: true });
  }
}
