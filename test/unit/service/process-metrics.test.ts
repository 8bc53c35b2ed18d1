/**
 * collectProcessMetrics (libs/service/process-metrics.ts): the event-loop-lag histogram samples every
 * EVENT_LOOP_MONITOR_MS (100 ms), not prom-client's 10 ms, whose timer woke an idle process 100 times a
 * second (8 ms CPU/s per process on the 2-core machine); the lag metrics are still exported, and the
 * `_total` gauges promtool rejects are not.
 */
import { Registry } from 'prom-client';
import { collectProcessMetrics, EVENT_LOOP_MONITOR_MS } from '../../../libs/service/process-metrics.js';

/** Voluntary context switches of this process (each wake-up of an idle thread is one) over `ms`. */
async function wakeUps(ms: number): Promise<number> {
  const a = process.resourceUsage().voluntaryContextSwitches;
  await new Promise((r) => setTimeout(r, ms));
  return process.resourceUsage().voluntaryContextSwitches - a;
}

describe('collectProcessMetrics', () => {
  // First: a monitor another test enabled would already wake this process (jest runs a file's tests in order).
  test('its event-loop monitor wakes an idle process ~10 times a second, not ~100', async () => {
    expect(EVENT_LOOP_MONITOR_MS).toBe(100);
    const before = await wakeUps(1000);
    collectProcessMetrics(new Registry(), 'epp_idle_');
    const after = await wakeUps(1000);
    // 10 ms sampling adds ~100 wake-ups per second; 100 ms adds ~10.
    expect(after - before).toBeLessThan(40);
  });

  test('exports the lag metrics, without the _total gauges', async () => {
    const registry = new Registry();
    collectProcessMetrics(registry, 'epp_test_');
    await new Promise((r) => setTimeout(r, 250));
    const text = await registry.metrics();
    expect(text).toMatch(/^epp_test_nodejs_eventloop_lag_p99_seconds [\d.e+-]+$/m);
    expect(text).toMatch(/^epp_test_nodejs_active_handles\{type=/m);
    expect(text).not.toMatch(/nodejs_active_\w+_total/);
  });
});
