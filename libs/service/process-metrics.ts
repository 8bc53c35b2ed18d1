/**
 * prom-client's default process metrics, made acceptable to `promtool check metrics`: its three
 * `nodejs_active_{handles,requests,resources}_total` series are gauges, and Prometheus reserves `_total`
 * for counters, so they are dropped; the same counts stay available by type in
 * `nodejs_active_{handles,requests,resources}` (sum them for the total).
 */
import { collectDefaultMetrics, type Registry } from 'prom-client';

/**
 * Sampling interval of the event-loop-lag histogram (`nodejs_eventloop_lag_*`), ms. prom-client's default
 * is 10 ms: a libuv timer that wakes the event loop 100 times a second in every process that exports
 * metrics (the API and each worker), idle or not. On this project's 2-core KVM machine one such wake-up
 * cost ~80 µs of CPU: 8.2 ms CPU per second per process (0.83 at 100 ms, 0.2 without; session 9, load
 * ~3) — CPU taken from the jobs on the same cores. At 100 ms a stall of ≥ 100 ms is still always seen
 * (and a shorter one with probability length/100 ms per stall); the reported lag itself is unchanged.
 */
export const EVENT_LOOP_MONITOR_MS = 100;

export function collectProcessMetrics(registry: Registry, prefix: string): void {
  collectDefaultMetrics({ register: registry, prefix, eventLoopMonitoringPrecision: EVENT_LOOP_MONITOR_MS });
  for (const kind of ['handles', 'requests', 'resources'])
    registry.removeSingleMetric(`${prefix}nodejs_active_${kind}_total`);
}
