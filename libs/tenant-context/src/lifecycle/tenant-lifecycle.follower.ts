import { LockMode } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { DiscoveryService, Reflector } from '@nestjs/core';
import {
  BusNaming,
  TENANT_LIFECYCLE_WILDCARD,
  TenantLifecycleEventSchema,
  type TenantLifecycleEvent,
} from '@tenantbus/contracts';
import type { NatsConnection } from 'nats';
import { TenantContext } from '../context/tenant-context';
import { NATS_CONNECTION } from '../module/tokens';
import { DeadLetterPublisher } from '../nats/dead-letter.publisher';
import { JetStreamTenantConsumer } from '../nats/jetstream-consumer';
import { ensureTenantEventsStream } from '../nats/streams';
import {
  TENANT_LIFECYCLE_LISTENER,
  type TenantLifecycleListener,
} from './on-tenant-lifecycle.decorator';
import { TenantState, type TenantStateSnapshot } from './tenant-state.entity';

export const TENANT_LIFECYCLE_OPTIONS = Symbol('TENANT_LIFECYCLE_OPTIONS');

export interface TenantLifecycleOptions {
  /** The durable consumer's name: one per service, shared by its replicas. */
  readonly durable: string;
  readonly maxDeliver?: number;
}

/**
 * Keeps this service's `TenantState` in step with the registry and runs its listeners. Events
 * carry the whole snapshot, so applying only those newer than the stored version makes
 * redelivery, duplicates and reordering harmless.
 */
@Injectable()
export class TenantLifecycleFollower implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(TenantLifecycleFollower.name);
  private consumer?: JetStreamTenantConsumer<typeof TenantLifecycleEventSchema>;
  private listeners: TenantLifecycleListener[] = [];

  constructor(
    @Inject(TENANT_LIFECYCLE_OPTIONS) private readonly options: TenantLifecycleOptions,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    private readonly naming: BusNaming,
    private readonly context: TenantContext,
    private readonly deadLetters: DeadLetterPublisher,
    private readonly em: EntityManager,
    private readonly discovery: DiscoveryService,
    private readonly reflector: Reflector,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.listeners = this.discovery
      .getProviders()
      .filter(
        (wrapper) =>
          wrapper.metatype && this.reflector.get(TENANT_LIFECYCLE_LISTENER, wrapper.metatype),
      )
      .map((wrapper) => wrapper.instance as TenantLifecycleListener);
    const stream = await ensureTenantEventsStream(this.nc, this.naming);
    this.consumer = new JetStreamTenantConsumer(this.nc, this.context, this.deadLetters, {
      stream,
      durable: this.options.durable,
      filterSubject: this.naming.subject(TENANT_LIFECYCLE_WILDCARD),
      schema: TenantLifecycleEventSchema,
      scope: { kind: 'system', reason: 'apply tenant lifecycle event' },
      maxDeliver: this.options.maxDeliver,
      handle: async (event) => {
        await this.apply(event);
      },
    });
    await this.consumer.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.consumer?.stop();
  }

  /** Runs in the consumer's system scope and transaction; false when the event was not newer. */
  async apply(event: TenantLifecycleEvent): Promise<boolean> {
    return event.type === 'tenant.created' ? this.insertFirst(event) : this.applyLocked(event);
  }

  /**
   * A tenant's first event is nearly always `tenant.created`: one insert that does nothing if
   * the tenant is already known (redelivery, or a later event overtook it), which then takes the
   * general path. A row inserted here had no previous state, even with concurrent replicas.
   */
  private async insertFirst(event: TenantLifecycleEvent): Promise<boolean> {
    const state = new TenantState();
    state.apply(event);
    const { affectedRows } = await this.em
      .createQueryBuilder(TenantState)
      .insert({ ...state }) // its values: an entity instance would have its JSON encoded twice
      .onConflict('tenantId')
      .ignore()
      .execute<{ affectedRows: number }>('run');
    if (affectedRows === 0) return this.applyLocked(event);
    await this.notify(event, null);
    return true;
  }

  /** Locks the tenant's state row (if any) and applies the event when it is newer. */
  private async applyLocked(event: TenantLifecycleEvent): Promise<boolean> {
    const state = await this.em.findOne(
      TenantState,
      { tenantId: event.tenantId },
      {
        lockMode: LockMode.PESSIMISTIC_WRITE,
      },
    );
    if (state && state.version >= event.data.entry.version) {
      this.logger.debug(`skipping ${event.type} v${event.data.entry.version} of ${event.tenantId}`);
      return false;
    }
    const previous: TenantStateSnapshot | null = state ? { ...state } : null;
    const next = state ?? this.em.create(TenantState, { tenantId: event.tenantId } as TenantState);
    next.apply(event);
    await this.em.flush();
    await this.notify(event, previous);
    return true;
  }

  private async notify(
    event: TenantLifecycleEvent,
    previous: TenantStateSnapshot | null,
  ): Promise<void> {
    for (const listener of this.listeners) await listener.onTenantEvent(event, previous);
  }
}
