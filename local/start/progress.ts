/**
 * Progress lines: `▸ starting the emulator… ok (12 ms) http://127.0.0.1:41234`. A step's line stays open until it
 * ends, so that a quick step reads as one line; anything printed meanwhile (a note) closes it first, and the step
 * then ends on a line of its own.
 */
export class Progress {
  private open: string | undefined;

  constructor(private readonly write: (text: string) => void = (text) => process.stdout.write(text)) {}

  /** Runs one step: prints its label, then `ok (duration)` and the detail, or `failed` and rethrows. */
  async step<T>(label: string, run: () => Promise<T> | T, detail?: (result: T) => string | undefined): Promise<T> {
    this.closeOpenLine();
    this.write(`▸ ${label}…`);
    this.open = label;
    const started = performance.now();
    try {
      const result = await run();
      const extra = detail?.(result);
      this.finish(`ok (${formatDuration(performance.now() - started)})${extra ? ` ${extra}` : ''}`, label);
      return result;
    } catch (error) {
      const how = (error as Error | undefined)?.name === 'AbortError' ? 'interrupted' : 'failed';
      this.finish(`${how} (${formatDuration(performance.now() - started)})`, label);
      throw error;
    }
  }

  /** An indented line under the current step (e.g. a collaboration the handler finished). */
  note(text: string): void {
    this.closeOpenLine();
    this.write(`    ${text}\n`);
  }

  /** A plain line, outside any step. */
  line(text = ''): void {
    this.closeOpenLine();
    this.write(`${text}\n`);
  }

  private finish(text: string, label: string): void {
    if (this.open === label) this.write(` ${text}\n`);
    else this.write(`  ${label}: ${text}\n`);
    this.open = undefined;
  }

  private closeOpenLine(): void {
    if (this.open !== undefined) this.write('\n');
    this.open = undefined;
  }
}

/** `850 ms`, `3.2 s`. */
export function formatDuration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}
