import { Controller, Get, Header } from '@nestjs/common';
import { Registry } from 'prom-client';
import { PublicRoute } from '../http/scope.decorators';
import { MetricsRegistry } from './metrics.registry';

export const METRICS_PATH = '/metrics';

/**
 * The Prometheus scrape endpoint. Public because the scraper has no tenant; no series carries a
 * tenant label, so it reveals nothing per tenant (restrict it at the network edge all the same).
 */
@Controller()
@PublicRoute()
export class MetricsController {
  constructor(private readonly metrics: MetricsRegistry) {}

  @Get(METRICS_PATH)
  @Header('Content-Type', Registry.PROMETHEUS_CONTENT_TYPE)
  @Header('Cache-Control', 'no-store')
  scrape(): Promise<string> {
    return this.metrics.exposition();
  }
}
