import { ApiExcludeController } from '@nestjs/swagger';
import { Controller, Get, Inject } from '@nestjs/common';
import { HealthCheck, HealthCheckService, MikroOrmHealthIndicator } from '@nestjs/terminus';
import { PublicRoute } from '../http/scope.decorators';
import { HEALTH_OPTIONS, type HealthOptions } from './health.options';
import { NatsHealthIndicator } from './nats.health';

/** Liveness says the process runs; readiness that its dependencies answer. */
@ApiExcludeController()
@Controller('health')
@PublicRoute()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly nats: NatsHealthIndicator,
    private readonly database: MikroOrmHealthIndicator,
    @Inject(HEALTH_OPTIONS) private readonly options: HealthOptions,
  ) {}

  @Get('live')
  @HealthCheck()
  live() {
    return this.health.check([]);
  }

  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check([
      () => this.nats.check(),
      ...(this.options.database
        ? [() => this.database.pingCheck('database', { timeout: 1_500 })]
        : []),
    ]);
  }
}
