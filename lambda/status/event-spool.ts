import { SpillFile } from '../snapshot/spill-file';
import type { StatusEventDetail } from './status-event';

/** Details kept in memory before the spool moves them to a file (a few thousand events). */
const MEMORY_BYTES = 2 * 1024 * 1024;
const GROUP = 'events';

/**
 * The events of one collaboration, held until its snapshot object is complete (they are sent only then). A few
 * changes stay in memory as JSON lines; a storm of them (every job of a large collaboration deleted) goes to a file
 * on the ephemeral storage, so that memory stays flat however many jobs changed.
 */
export class EventSpool {
  private lines: string[] = [];
  private bytes = 0;
  private file: SpillFile | undefined;
  private total = 0;

  constructor(private readonly options: { memoryBytes?: number; directory?: string } = {}) {}

  get size(): number {
    return this.total;
  }

  async add(detail: StatusEventDetail): Promise<void> {
    const line = `${JSON.stringify(detail)}\n`;
    this.lines.push(line);
    this.bytes += line.length;
    this.total++;
    if (this.bytes >= (this.options.memoryBytes ?? MEMORY_BYTES)) await this.spill();
  }

  /** Every detail, in the order added. */
  async *details(): AsyncGenerator<StatusEventDetail> {
    if (this.file) {
      for await (const chunk of this.file.read(GROUP)) {
        for (const line of chunk.split('\n')) if (line !== '') yield JSON.parse(line) as StatusEventDetail;
      }
    }
    for (const line of this.lines) yield JSON.parse(line) as StatusEventDetail;
  }

  async dispose(): Promise<void> {
    this.lines = [];
    await this.file?.dispose();
    this.file = undefined;
  }

  private async spill(): Promise<void> {
    this.file ??= await SpillFile.create(this.options.directory);
    const text = this.lines.join('');
    this.lines = [];
    this.bytes = 0;
    await this.file.append([{ group: GROUP, text }]);
  }
}
