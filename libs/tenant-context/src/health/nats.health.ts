import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import type { NatsConnection } from 'nats';
import { NATS_CONNECTION } from '../module/tokens';

@Injectable()
export class NatsHealthIndicator {
  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    private readonly health: HealthIndicatorService,
  ) {}

  /** Up when the connection is open and the server answers a round trip. */
  async check(key = 'nats') {
    const indicator = this.health.check(key);
    if (this.nc.isClosed()) return indicator.down({ message: 'connection closed' });
    try {
      const rtt = await this.nc.rtt();
      return indicator.up({ rttMs: rtt });
    } catch (error) {
      return indicator.down({ message: error instanceof Error ? error.message : String(error) });
    }
  }
}
