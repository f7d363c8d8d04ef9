export const HEALTH_OPTIONS = Symbol('HEALTH_OPTIONS');

export interface HealthOptions {
  /** Whether readiness includes a database ping (apps with MikroORM). */
  readonly database: boolean;
}
