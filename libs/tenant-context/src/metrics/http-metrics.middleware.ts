import { Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import type { Counter, Histogram } from 'prom-client';
import { isHealthPath } from '../observability/health-path';
import { METRICS_PATH } from './metrics.controller';
import { MetricsRegistry } from './metrics.registry';

type HttpLabel = 'method' | 'route' | 'status';
const HTTP_LABELS: readonly HttpLabel[] = ['method', 'route', 'status'];

/** The `route` label of requests no route handled (404s from the router, body-parser errors). */
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * Counts and times every HTTP request once its response is written. A middleware hooking
 * `finish`, not an interceptor: the status is only final after exception filters have mapped
 * errors, and requests that never reach a handler are counted too. Labels are bounded on
 * purpose: the route pattern, never the raw URL, and never the tenant (usage metering's job).
 */
@Injectable()
export class HttpMetricsMiddleware implements NestMiddleware {
  private readonly requests: Counter<HttpLabel>;
  private readonly duration: Histogram<HttpLabel>;

  constructor(metrics: MetricsRegistry) {
    this.requests = metrics.counter('http_requests_total', 'HTTP requests served.', HTTP_LABELS);
    this.duration = metrics.histogram(
      'http_request_duration_seconds',
      'Time from receiving an HTTP request to finishing its response.',
      HTTP_LABELS,
    );
  }

  use(request: Request, response: Response, next: NextFunction): void {
    const path = request.originalUrl.split('?', 1)[0];
    if (path === METRICS_PATH || isHealthPath(path)) return next();
    const started = process.hrtime.bigint();
    // Aborted requests emit `close` without `finish`: they have no status worth counting.
    response.once('finish', () => {
      const labels = {
        method: request.method,
        route: routePattern(request),
        status: String(response.statusCode),
      };
      this.requests.inc(labels);
      this.duration.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
    });
    next();
  }
}

/** The pattern Express matched (`/api/v1/tenants/:id`), read when the response is done. */
function routePattern(request: Request): string {
  const route: unknown = request.route;
  const path =
    typeof route === 'object' && route !== null && 'path' in route ? route.path : undefined;
  if (typeof path !== 'string') return UNMATCHED_ROUTE;
  return `${request.baseUrl}${path}` || '/';
}
