import { ioTurn } from '../../../lambda/commons/io-turn';

/** Lets resolved promises and their continuations run. */
const flushMicrotasks = async () => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

describe('ioTurn', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('gives one turn per loop iteration, in the order asked, where setImmediate gives them all at once', async () => {
    const order: string[] = [];
    for (const name of ['a', 'b', 'c']) void ioTurn().then(() => order.push(name));
    const immediates: string[] = [];
    for (const name of ['x', 'y', 'z']) setImmediate(() => immediates.push(name));
    await flushMicrotasks();
    expect(order).toEqual([]);

    // One check phase: the immediates queued before it all run; the turns, one.
    jest.runOnlyPendingTimers();
    await flushMicrotasks();
    expect(immediates).toEqual(['x', 'y', 'z']);
    expect(order).toEqual(['a']);
    jest.runOnlyPendingTimers();
    await flushMicrotasks();
    expect(order).toEqual(['a', 'b']);
    jest.runOnlyPendingTimers();
    await flushMicrotasks();
    expect(order).toEqual(['a', 'b', 'c']);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('a turn asked for during a turn comes after the turns already asked for', async () => {
    const order: string[] = [];
    void ioTurn().then(() => {
      order.push('a');
      void ioTurn().then(() => order.push('a again'));
    });
    void ioTurn().then(() => order.push('b'));
    for (let i = 0; i < 3; i++) {
      jest.runOnlyPendingTimers();
      await flushMicrotasks();
    }
    expect(order).toEqual(['a', 'b', 'a again']);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('schedules nothing while nobody waits, and starts again for the next caller', async () => {
    await Promise.all([ioTurn(), jest.runOnlyPendingTimersAsync()]);
    expect(jest.getTimerCount()).toBe(0);
    const later = ioTurn();
    expect(jest.getTimerCount()).toBe(1);
    await Promise.all([later, jest.runOnlyPendingTimersAsync()]);
    expect(jest.getTimerCount()).toBe(0);
  });
});
