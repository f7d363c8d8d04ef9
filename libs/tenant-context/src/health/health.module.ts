import { Module, type DynamicModule } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health.controller';
import { HEALTH_OPTIONS, type HealthOptions } from './health.options';
import { NatsHealthIndicator } from './nats.health';

/** `/health/live` and `/health/ready` (NATS, plus the database when the app has one). */
@Module({})
export class HealthModule {
  static forRoot(options: HealthOptions): DynamicModule {
    return {
      module: HealthModule,
      imports: [TerminusModule.forRoot({ logger: false })],
      controllers: [HealthController],
      providers: [NatsHealthIndicator, { provide: HEALTH_OPTIONS, useValue: options }],
    };
  }
}
