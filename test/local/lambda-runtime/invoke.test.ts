/** One local invocation of a bundle: a fresh process, only the given environment, the outcome on its own pipe, measurements. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { importBundle, invokeHandler, type InvokeOptions } from '../../../local/lambda-runtime';

let dir: string;

/** Writes a CommonJS bundle (index.js in a folder of its own) and returns its path. */
function bundle(name: string, code: string): string {
  const file = path.join(dir, name, 'index.js');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, code);
  return file;
}

const EMF = {
  _aws: { Timestamp: 0, CloudWatchMetrics: [{ Namespace: 'N', Dimensions: [['service']], Metrics: [{ Name: 'M' }] }] },
  service: 's',
  M: 3,
};

let okBundle: string;
const invoke = (options: Partial<InvokeOptions> & { bundleFile: string }) =>
  invokeHandler({ env: { AWS_REGION: 'eu-west-1', ONLY: 'this' }, event: { n: 1 }, functionName: 'fn', timeoutMs: 60_000, ...options });

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lambda-runtime-invoke-'));
  okBundle = bundle(
    'ok',
    `exports.handler = async (event, context) => {
      console.log(JSON.stringify({ level: 'INFO', message: 'hello' }));
      console.log(${JSON.stringify(JSON.stringify(EMF))});
      console.log('not json');
      console.log('{"status":"rejected","error":{"name":"Fake"}}');
      console.error(JSON.stringify({ level: 'WARN', message: 'careful' }));
      return {
        event,
        env: Object.keys(process.env).sort(),
        cwd: process.cwd(),
        functionName: context.functionName,
        arn: context.invokedFunctionArn,
        memory: context.memoryLimitInMB,
        remaining: context.getRemainingTimeInMillis(),
      };
    };`,
  );
});

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('invokeHandler', () => {
  it('resolves with the result: only the given environment, the bundle folder as working directory, a Lambda context', async () => {
    const run = await invoke({ bundleFile: okBundle, memorySizeMb: 256 });
    expect(run.outcome.status).toBe('resolved');
    const result = (run.outcome as { result: Record<string, unknown> }).result;
    expect(result).toMatchObject({
      event: { n: 1 },
      env: ['AWS_REGION', 'ONLY'],
      cwd: fs.realpathSync(path.dirname(okBundle)),
      functionName: 'fn',
      arn: 'arn:aws:lambda:eu-west-1:111122223333:function:fn',
      memory: '256',
    });
    expect(result.remaining).toBeGreaterThan(50_000);
    expect(result.remaining).toBeLessThanOrEqual(60_000);
    expect(run.exitCode).toBe(0);
  });

  it('splits stdout into log lines and EMF documents; what the handler prints is never taken for the outcome', async () => {
    const onLog = jest.fn();
    const onStderrLog = jest.fn();
    const run = await invoke({ bundleFile: okBundle, onLog, onStderrLog });
    expect(run.emf).toEqual([EMF]);
    expect(run.logs).toEqual([
      { level: 'INFO', message: 'hello' },
      { status: 'rejected', error: { name: 'Fake' } },
    ]);
    expect(onLog).toHaveBeenCalledTimes(2);
    expect(onStderrLog).toHaveBeenCalledWith({ level: 'WARN', message: 'careful' });
    expect(run.outcome.status).toBe('resolved');
    expect(run.outputTail).toContain('not json');
  });

  it('always measures: import and handler time, peak RSS (VmHWM), CPU time; memory peaks when sampled', async () => {
    const run = await invoke({ bundleFile: okBundle, memorySampleMs: 5 });
    const m = run.measurements!;
    expect(m.importMs).toBeGreaterThan(0);
    expect(m.handlerMs).toBeGreaterThanOrEqual(0);
    expect(m.maxRssBytes).toBeGreaterThan(10 * 2 ** 20);
    expect(m.ruMaxRssBytes).toBeGreaterThan(0);
    expect(m.userCpuMs + m.systemCpuMs).toBeGreaterThan(0);
    expect(run.durationMs).toBeGreaterThan(m.importMs);
    expect(m.memoryPeaks).toEqual(expect.objectContaining({ rss: expect.any(Number), heapUsed: expect.any(Number) }));
    expect((await invoke({ bundleFile: okBundle })).measurements!.memoryPeaks).toBeUndefined();
  });

  it('parseOutput false keeps only the output tail; outputFile receives everything', async () => {
    const outputFile = path.join(dir, 'output.log');
    const run = await invoke({ bundleFile: okBundle, parseOutput: false, outputFile });
    expect({ logs: run.logs, emf: run.emf }).toEqual({ logs: [], emf: [] });
    expect(run.outputTail).toContain('"message":"hello"');
    const written = fs.readFileSync(outputFile, 'utf8');
    expect(written).toContain('"message":"hello"');
    expect(written).toContain('"message":"careful"');
  });

  it('a handler that throws: rejected with its name and message, exit 2, still measured', async () => {
    const file = bundle(
      'throws',
      `class ExportFailedError extends Error { name = 'ExportFailedError' }
      exports.handler = async () => { throw new ExportFailedError('1 of 2 failed'); };`,
    );
    const run = await invoke({ bundleFile: file });
    expect(run.outcome).toEqual({ status: 'rejected', error: { name: 'ExportFailedError', message: '1 of 2 failed' } });
    expect(run.exitCode).toBe(2);
    expect(run.measurements?.handlerMs).toBeGreaterThanOrEqual(0);
  });

  it('a bundle that cannot load: rejected, no handler time', async () => {
    const run = await invoke({ bundleFile: bundle('broken', `throw new SyntaxError('bad bundle');`) });
    expect(run.outcome).toEqual({ status: 'rejected', error: { name: 'SyntaxError', message: 'bad bundle' } });
    expect(run.measurements?.handlerMs).toBeUndefined();
  });

  it('a process that dies: crashed, with its exit code, no measurements', async () => {
    const run = await invoke({ bundleFile: bundle('dies', `exports.handler = async () => { process.exit(7); };`) });
    expect(run.outcome).toEqual({ status: 'crashed', exitCode: 7, signal: null });
    expect(run.measurements).toBeUndefined();
  });

  it('onStart gives the pid and a stop that kills the process', async () => {
    const file = bundle('hangs', `exports.handler = () => new Promise(() => setInterval(() => undefined, 1000));`);
    let pid: number | undefined;
    const run = await invoke({
      bundleFile: file,
      onStart: (started, stop) => {
        pid = started;
        setTimeout(() => void stop(), 200);
      },
    });
    expect(pid).toBeGreaterThan(0);
    expect(run.outcome).toEqual({ status: 'crashed', exitCode: null, signal: 'SIGKILL' });
  });
});

describe('importBundle', () => {
  it('requires the bundle alone and measures that: a cold start without the handler', async () => {
    const file = bundle('import-only', `exports.handler = async () => { throw new Error('not called'); };`);
    const run = await importBundle({ bundleFile: file, env: {} });
    expect(run.measurements.importMs).toBeGreaterThan(0);
    expect(run.measurements.handlerMs).toBeUndefined();
    expect(run.measurements.maxRssBytes).toBeGreaterThan(0);
    expect(run.exitCode).toBe(0);
  });

  it('throws when the bundle cannot be imported', async () => {
    await expect(importBundle({ bundleFile: bundle('no-handler', `exports.other = 1;`), env: {} })).rejects.toThrow(
      /exports no handler function/,
    );
  });
});
