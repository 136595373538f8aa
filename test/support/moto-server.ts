import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';

/**
 * moto_server (on this project's machine image and in CI; not needed by `npm test` elsewhere) as a second, more
 * faithful S3: unlike s3rver it implements ListMultipartUploads and AbortMultipartUpload. Whether it is on PATH, and
 * what the tests do when it is not: test/support/s3-backends.ts (MOTO_SERVER, describeEachS3Backend).
 */
export class MotoServer {
  private constructor(
    private readonly child: ChildProcess,
    readonly endpoint: string,
  ) {}

  static async start(): Promise<MotoServer> {
    const port = await freePort();
    const child = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
    let spawnError: Error | undefined;
    child.once('error', (error) => (spawnError = error));
    const endpoint = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (spawnError) throw new Error(`moto_server could not be started: ${spawnError.message}`);
      try {
        const res = await fetch(`${endpoint}/moto-api/`);
        if (res.status < 500) break;
      } catch {
        // not listening yet
      }
      if (child.exitCode !== null) throw new Error(`moto_server exited with ${child.exitCode}`);
      if (Date.now() > deadline) {
        child.kill();
        throw new Error('moto_server did not start within 30 s');
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    return new MotoServer(child, endpoint);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    await exited;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
