import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { TenantContext } from '@tenantbus/tenant-context';
import { Meter } from './meter.entity';

/**
 * The meters, loaded once at boot: they change only with a migration (a new meter is a release,
 * since its events must be valid from the first one on), and ingest must not query them per event.
 */
@Injectable()
export class MeterCatalog implements OnModuleInit {
  private byName = new Map<string, Meter>();
  private byType = new Map<string, Meter[]>();

  constructor(
    private readonly context: TenantContext,
    private readonly em: EntityManager,
  ) {}

  async onModuleInit(): Promise<void> {
    const meters = await this.context.asSystem('load meter catalog', () =>
      this.em.find(Meter, {}, { orderBy: { name: 'asc' } }),
    );
    this.load(meters);
  }

  load(meters: Meter[]): void {
    this.byName = new Map(meters.map((meter) => [meter.name, meter]));
    this.byType = new Map();
    for (const meter of meters) {
      this.byType.set(meter.eventType, [...(this.byType.get(meter.eventType) ?? []), meter]);
    }
  }

  all(): Meter[] {
    return [...this.byName.values()];
  }

  get(name: string): Meter | undefined {
    return this.byName.get(name);
  }

  forEventType(type: string): readonly Meter[] {
    return this.byType.get(type) ?? [];
  }
}
