/** throttleProgress: whole-percent steps, at most one report per interval from the job's start, the latest held step sent later. */
import { throttleProgress } from '../../../libs/service/progress.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function recorder() {
  const sent: number[] = [];
  return {
    sent,
    send: (f: number) => {
      sent.push(f);
      return Promise.resolve();
    },
  };
}

describe('throttleProgress', () => {
  test('a job shorter than the interval reports nothing; stop() drops the held step', async () => {
    const r = recorder();
    const p = throttleProgress(r.send, 200);
    for (const f of [0.05, 0.1, 0.45, 0.8]) await p.update(f);
    p.stop();
    await sleep(300);
    expect(r.sent).toEqual([]);
  });

  test('the latest held step is sent once the interval has passed, then steps are spaced', async () => {
    let t = 0;
    const r = recorder();
    const p = throttleProgress(r.send, 100, () => t);
    await p.update(0.05); // t = 0: too soon after the start, held
    await p.update(0.2); // still held: only the latest is kept
    t = 100;
    await sleep(150); // the held step's timer fires
    expect(r.sent).toEqual([0.2]);
    t = 150;
    await p.update(0.3); // 50 ms after the last report: held
    t = 250;
    await p.update(0.5); // 100 ms after: sent now, the held 0.3 is superseded
    expect(r.sent).toEqual([0.2, 0.5]);
    await sleep(150);
    expect(r.sent).toEqual([0.2, 0.5]);
    p.stop();
  });

  test('whole percents only, clamped to 0–1; a repeated percent is not sent again', async () => {
    let t = 1000;
    const r = recorder();
    const p = throttleProgress(r.send, 10, () => t);
    t += 10;
    await p.update(0.501);
    t += 10;
    await p.update(0.504); // 50 % again
    t += 10;
    await p.update(1.7);
    t += 10;
    await p.update(-1);
    p.stop();
    expect(r.sent).toEqual([0.5, 1, 0]);
  });

  test('a failing report does not fail the job', async () => {
    let t = 0;
    const p = throttleProgress(
      () => Promise.reject(new Error('redis gone')),
      10,
      () => t,
    );
    t = 20;
    await expect(p.update(0.5)).resolves.toBeUndefined();
    p.stop();
  });
});
