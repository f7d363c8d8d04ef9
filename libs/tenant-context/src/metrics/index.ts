export { MetricsModule } from './metrics.module';
export { METRICS_OPTIONS, type MetricsModuleOptions } from './metrics.options';
export {
  MetricsRegistry,
  type CounterExtras,
  type GaugeExtras,
  type HistogramExtras,
} from './metrics.registry';
export { MetricsController, METRICS_PATH } from './metrics.controller';
export { HttpMetricsMiddleware, UNMATCHED_ROUTE } from './http-metrics.middleware';
