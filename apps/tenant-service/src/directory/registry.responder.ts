import { EntityManager } from '@mikro-orm/postgresql';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import {
  BusNaming,
  DirectoryLookupSchema,
  Subjects,
  type DirectoryLookup,
  type DirectoryLookupReply,
} from '@tenantbus/contracts';
import { NATS_CONNECTION, TenantContext } from '@tenantbus/tenant-context';
import { JSONCodec, type Msg, type NatsConnection, type Subscription } from 'nats';
import type { z } from 'zod';
import { ApiKey } from '../api-keys/api-key.entity';
import { Domain } from '../domains/domain.entity';
import { Tenant } from '../tenants/tenant.entity';
import { TenantEventsService } from '../tenants/tenant-events.service';
import { TenantsService } from '../tenants/tenants.service';

const codec = JSONCodec<unknown>();
const QUEUE = 'tenant-service';

/**
 * The registry's request/reply side: directory lookups for every service's tenant cache, and
 * get-or-create by external reference. Subjects carry the runtime bus prefix, so these are plain
 * queue subscriptions rather than decorator patterns.
 */
@Injectable()
export class RegistryResponder implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RegistryResponder.name);
  private readonly subscriptions: Subscription[] = [];

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    private readonly naming: BusNaming,
    private readonly context: TenantContext,
    private readonly em: EntityManager,
    private readonly events: TenantEventsService,
    private readonly tenants: TenantsService,
  ) {}

  onApplicationBootstrap(): void {
    this.serve(Subjects.directoryLookup.name, DirectoryLookupSchema, 'directory lookup', (lookup) =>
      this.lookup(lookup),
    );
    this.serve(
      Subjects.tenantResolve.name,
      Subjects.tenantResolve.schema,
      'resolve tenant by external reference',
      (request) => this.tenants.resolve(request.externalRef, request.name),
    );
  }

  onApplicationShutdown(): void {
    this.subscriptions.forEach((subscription) => subscription.unsubscribe());
  }

  async lookup(lookup: DirectoryLookup): Promise<DirectoryLookupReply> {
    const tenant = await this.findTenant(lookup);
    if (!tenant || tenant.purgedAt) return { entry: null };
    return { entry: (await this.events.snapshot(tenant)).entry };
  }

  private async findTenant(lookup: DirectoryLookup): Promise<Tenant | null> {
    switch (lookup.by) {
      case 'id':
        return this.em.findOne(Tenant, { id: lookup.value });
      case 'slug':
        return this.em.findOne(Tenant, { slug: lookup.value });
      case 'host':
        return (
          (
            await this.em.findOne(
              Domain,
              { hostname: lookup.value.toLowerCase() },
              { populate: ['tenant'] },
            )
          )?.tenant.getEntity() ?? null
        );
      case 'apiKeyPrefix':
        return (
          (
            await this.em.findOne(ApiKey, { prefix: lookup.value }, { populate: ['tenant'] })
          )?.tenant.getEntity() ?? null
        );
    }
  }

  private serve<S extends z.ZodType>(
    name: string,
    schema: S,
    reason: string,
    handle: (request: z.output<S>) => Promise<unknown>,
  ): void {
    const subscription = this.nc.subscribe(this.naming.subject(name), {
      queue: QUEUE,
      callback: (_error, msg) => void this.answer(msg, schema, reason, handle),
    });
    this.subscriptions.push(subscription);
  }

  private async answer<S extends z.ZodType>(
    msg: Msg,
    schema: S,
    reason: string,
    handle: (request: z.output<S>) => Promise<unknown>,
  ): Promise<void> {
    let request: z.output<S>;
    try {
      request = schema.parse(codec.decode(msg.data));
    } catch {
      msg.respond(
        codec.encode({ error: { code: 'REQUEST_INVALID', message: `invalid ${reason} request` } }),
      );
      return;
    }
    try {
      const reply = await this.context.asSystem(reason, () => handle(request), {
        auditLevel: 'debug',
        actor: { kind: 'service', id: 'registry-responder' },
      });
      msg.respond(codec.encode(reply));
    } catch (error) {
      this.logger.error({ msg: `${reason} failed`, error: String(error) });
      msg.respond(codec.encode({ error: { code: 'INTERNAL', message: `${reason} failed` } }));
    }
  }
}
