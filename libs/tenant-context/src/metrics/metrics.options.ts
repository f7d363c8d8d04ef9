export const METRICS_OPTIONS = Symbol('METRICS_OPTIONS');

export interface MetricsModuleOptions {
  /** Becomes the `service` label on every series this app exposes. */
  readonly serviceName: string;
}
