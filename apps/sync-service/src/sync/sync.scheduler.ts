import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { SYNC_CONFIG, type SyncServiceConfig } from '../config/sync-service.config';
import { SyncLeases } from './sync-leases';
import { SyncRunner } from './sync.runner';

/**
 * Every `SYNC_TICK_MS` (±20 %, so replicas drift apart) leases due accounts and runs them in the
 * background, never holding more than `SYNC_BATCH_SIZE` runs per replica. Safe with any number of
 * replicas: a lease is exclusive (see `SyncLeases`), and an expired lease of a crashed replica is
 * taken over after `SYNC_LEASE_MS`. Shutdown stops leasing and waits for the running syncs.
 */
@Injectable()
export class SyncScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(SyncScheduler.name);
  private readonly instance = randomUUID().slice(0, 8);
  private readonly running = new Set<Promise<void>>();
  private timer?: NodeJS.Timeout;
  private ticking?: Promise<number>;
  private stopping = false;
  private ticks = 0;

  constructor(
    private readonly leases: SyncLeases,
    private readonly runner: SyncRunner,
    @Inject(SYNC_CONFIG) private readonly config: SyncServiceConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.SYNC_SCHEDULER_ENABLED) this.scheduleTick();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    await this.ticking;
    await Promise.allSettled([...this.running]);
  }

  /** Leases what is due and starts it; resolves with how many runs it started. */
  async tick(): Promise<number> {
    const room = this.config.SYNC_BATCH_SIZE - this.running.size;
    if (room <= 0 || this.stopping) return 0;
    this.ticks += 1;
    const owner = `${this.instance}:${this.ticks}`;
    let leases;
    try {
      leases = await this.leases.lease(owner, room);
    } catch (error) {
      this.logger.error({ msg: 'leasing due accounts failed', error: String(error) });
      return 0;
    }
    for (const lease of leases) {
      const run = this.runner
        .run(lease)
        .catch((error: unknown) =>
          this.logger.error({ msg: 'sync run crashed', error: String(error) }),
        )
        .finally(() => this.running.delete(run));
      this.running.add(run);
    }
    return leases.length;
  }

  private scheduleTick(): void {
    const delay = this.config.SYNC_TICK_MS * (0.8 + 0.4 * Math.random());
    this.timer = setTimeout(() => {
      this.ticking = this.tick().finally(() => {
        this.ticking = undefined;
        if (!this.stopping) this.scheduleTick();
      });
    }, delay);
  }
}
