import { describe, expect, it } from 'vitest';
import { ApiError } from '../api/client.js';
import { MAX_POLL_FAILURES, POLL_INTERVAL_MS, pollDelay, pollUntilSettled } from './poll.js';

type Op = { id: string; status: 'pending' | 'succeeded' | 'failed' };

function scripted(answers: (Op | Error)[]) {
  let i = 0;
  return async (): Promise<Op> => {
    const next = answers[Math.min(i++, answers.length - 1)];
    if (next instanceof Error) throw next;
    return next as Op;
  };
}

describe('pollUntilSettled', () => {
  it('asks every ~700 ms until the bank answers', async () => {
    const waits: number[] = [];
    const updates: string[] = [];
    const result = await pollUntilSettled(
      scripted([
        { id: 'a', status: 'pending' },
        { id: 'a', status: 'pending' },
        { id: 'a', status: 'succeeded' },
      ]),
      { sleep: async (ms) => void waits.push(ms), onUpdate: (op) => updates.push(op.status) },
    );
    expect(result.status).toBe('succeeded');
    expect(waits).toEqual([POLL_INTERVAL_MS, POLL_INTERVAL_MS, POLL_INTERVAL_MS]);
    expect(updates).toEqual(['pending', 'pending', 'succeeded']);
    expect(pollDelay(100)).toBeGreaterThan(POLL_INTERVAL_MS);
  });

  it('rides out transient errors, then gives up', async () => {
    const flaky = new ApiError({ status: 0, code: 'network_error', message: '' });
    await expect(
      pollUntilSettled(scripted([flaky, flaky, { id: 'a', status: 'failed' }]), { sleep: async () => {} }),
    ).resolves.toMatchObject({ status: 'failed' });
    let calls = 0;
    const down = async (): Promise<Op> => {
      calls += 1;
      throw flaky;
    };
    await expect(pollUntilSettled(down, { sleep: async () => {} })).rejects.toBe(flaky);
    expect(calls).toBe(MAX_POLL_FAILURES);
  });

  it('stops when aborted', async () => {
    const controller = new AbortController();
    const promise = pollUntilSettled(scripted([{ id: 'a', status: 'pending' }]), {
      signal: controller.signal,
    });
    controller.abort();
    await expect(promise).rejects.toMatchObject({ name: 'AbortError' });
  });
});
