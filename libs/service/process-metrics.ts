/**
 * prom-client's default process metrics, made acceptable to `promtool check metrics`: its three
 * `nodejs_active_{handles,requests,resources}_total` series are gauges, and Prometheus reserves `_total`
 * for counters, so they are dropped; the same counts stay available by type in
 * `nodejs_active_{handles,requests,resources}` (sum them for the total).
 */
import { collectDefaultMetrics, type Registry } from 'prom-client';

export function collectProcessMetrics(registry: Registry, prefix: string): void {
  collectDefaultMetrics({ register: registry, prefix });
  for (const kind of ['handles', 'requests', 'resources'])
    registry.removeSingleMetric(`${prefix}nodejs_active_${kind}_total`);
}
