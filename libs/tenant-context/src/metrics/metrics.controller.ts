import { ApiExcludeController } from '@nestjs/swagger';
import { Controller, Get, Res } from '@nestjs/common';
import type { Response } from 'express';
import { PublicRoute } from '../http/scope.decorators';
import { MetricsRegistry } from './metrics.registry';

export const METRICS_PATH = '/metrics';

/**
 * The Prometheus scrape endpoint. Public because the scraper has no tenant; no series carries a
 * tenant label, so it reveals nothing per tenant (restrict it at the network edge all the same).
 */
@ApiExcludeController()
@Controller()
@PublicRoute()
export class MetricsController {
  constructor(private readonly metrics: MetricsRegistry) {}

  /**
   * Written straight to the response: `res.send` would rewrite the content type's parameters,
   * and response-shaping interceptors must not touch the exposition.
   */
  @Get(METRICS_PATH)
  async scrape(@Res() response: Response): Promise<void> {
    const body = await this.metrics.exposition();
    response
      .status(200)
      .setHeader('Content-Type', this.metrics.contentType)
      .setHeader('Cache-Control', 'no-store')
      .end(body);
  }
}
