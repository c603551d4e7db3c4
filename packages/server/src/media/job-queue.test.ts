import { describe, expect, it } from 'vitest';
import { JobQueue } from './job-queue.js';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe('JobQueue', () => {
  it('runs at most its concurrency at once, in order, and refuses past its queue', async () => {
    const queue = new JobQueue(2, 2);
    const gates = Array.from({ length: 4 }, deferred);
    const started: number[] = [];
    const runs = gates.map((gate, i) =>
      queue.run(async () => {
        started.push(i);
        await gate.promise;
        return i;
      }),
    );
    await Promise.resolve();
    expect(started).toEqual([0, 1]);
    expect([queue.running, queue.waiting]).toEqual([2, 2]);
    await expect(queue.run(async () => 99)).rejects.toMatchObject({ code: 'service_unavailable' });
    gates[1]?.resolve();
    await runs[1];
    await new Promise((r) => setTimeout(r, 0));
    expect(started).toEqual([0, 1, 2]);
    for (const gate of gates) gate.resolve();
    expect(await Promise.all(runs)).toEqual([0, 1, 2, 3]);
    expect([queue.running, queue.waiting]).toEqual([0, 0]);
  });

  it('gives the slot back when a job fails', async () => {
    const queue = new JobQueue(1, 0);
    await expect(
      queue.run(async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(queue.running).toBe(0);
    expect(await queue.run(async () => 'ok')).toBe('ok');
  });
});
