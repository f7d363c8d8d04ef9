import {
  Inject,
  Module,
  type DynamicModule,
  type MiddlewareConsumer,
  type NestModule,
  type OnApplicationShutdown,
  type Provider,
} from '@nestjs/common';
import {
  APP_FILTER,
  APP_GUARD,
  APP_INTERCEPTOR,
  APP_PIPE,
  DiscoveryModule,
  Reflector,
} from '@nestjs/core';
import { BusNaming } from '@tenantbus/contracts';
import { connect, type NatsConnection } from 'nats';
import { ClsService, ClsServiceManager } from 'nestjs-cls';
import { TenantContext } from '../context/tenant-context';
import type { TenantStore } from '../context/tenant-store';
import { TenantDirectory, type TenantDirectoryOptions } from '../directory/tenant-directory';
import { AdminAuthenticator, type AdminToken } from '../http/admin-authenticator';
import { RequestInputGuard } from '../http/request-input.guard';
import { RequestScopeMiddleware } from '../http/request-scope.middleware';
import { TenantResolutionGuard } from '../http/tenant-resolution.guard';
import {
  ApiKeyResolver,
  HostResolver,
  TrustedHeaderResolver,
  type ResolverName,
  type TenantResolver,
} from '../http/tenant-resolvers';
import { TenantScopeInterceptor } from '../http/tenant-scope.interceptor';
import { TenantbusExceptionFilter } from '../http/tenantbus-exception.filter';
import { createValidationPipe } from '../http/validation.pipe';
import { DeadLetterPublisher } from '../nats/dead-letter.publisher';
import { TenantBus } from '../nats/tenant-bus';
import { NATS_CONNECTION, TENANT_CONTEXT_OPTIONS } from './tokens';

export interface TenantContextModuleOptions {
  readonly serviceName: string;
  readonly natsUrl: string;
  readonly busPrefix: string;
  /** The resolver chain for this app's HTTP edge, in order. Default: all three. */
  readonly resolvers?: ResolverName[];
  readonly baseDomain?: string;
  readonly adminTokens?: AdminToken[];
  readonly directory?: TenantDirectoryOptions;
  /** Check that a message's tenant exists in the directory before its handler runs. Default on. */
  readonly verifyMessageTenants?: boolean;
}

function buildResolvers(
  options: TenantContextModuleOptions,
  directory: TenantDirectory,
): TenantResolver[] {
  const available: Record<ResolverName, () => TenantResolver> = {
    apiKey: () => new ApiKeyResolver(directory),
    host: () => new HostResolver(directory, options.baseDomain),
    header: () => new TrustedHeaderResolver(directory),
  };
  return (options.resolvers ?? ['apiKey', 'host', 'header']).map((name) => available[name]());
}

/** Drains the shared NATS connection after everything else has shut down. */
class NatsConnectionCloser implements OnApplicationShutdown {
  constructor(@Inject(NATS_CONNECTION) private readonly nc: NatsConnection) {}

  async onApplicationShutdown(): Promise<void> {
    if (!this.nc.isClosed()) await this.nc.drain();
  }
}

/**
 * Wires tenancy into a Nest app: the CLS context per request, the HTTP resolver chain (guard),
 * the HTTP handler's scope (interceptor; NATS handlers get theirs from `TenantNatsServer`), error
 * mapping (filter), the tenant bus and the tenant directory. Global, so features just inject `TenantContext` / `TenantBus`.
 */
@Module({})
export class TenantContextModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(RequestScopeMiddleware).forRoutes('/'); // '/' is every route under Express 5
  }

  static forRoot(options: TenantContextModuleOptions): DynamicModule {
    const providers: Provider[] = [
      { provide: TENANT_CONTEXT_OPTIONS, useValue: options },
      { provide: ClsService, useFactory: () => ClsServiceManager.getClsService() },
      {
        provide: TenantContext,
        useFactory: (cls: ClsService<TenantStore>) => new TenantContext(cls),
        inject: [ClsService],
      },
      {
        provide: NATS_CONNECTION,
        // Never give up reconnecting: a service outlives NATS restarts; the outbox keeps what it could not send.
        useFactory: () =>
          connect({
            servers: options.natsUrl,
            name: options.serviceName,
            maxReconnectAttempts: -1,
            reconnectTimeWait: 500,
          }),
      },
      NatsConnectionCloser,
      { provide: BusNaming, useValue: new BusNaming(options.busPrefix) },
      {
        provide: TenantBus,
        useFactory: (nc: NatsConnection, naming: BusNaming, context: TenantContext) =>
          new TenantBus(nc, naming, context),
        inject: [NATS_CONNECTION, BusNaming, TenantContext],
      },
      {
        provide: DeadLetterPublisher,
        useFactory: (nc: NatsConnection, naming: BusNaming) => new DeadLetterPublisher(nc, naming),
        inject: [NATS_CONNECTION, BusNaming],
      },
      {
        provide: TenantDirectory,
        useFactory: (nc: NatsConnection, naming: BusNaming) =>
          new TenantDirectory(nc, naming, options.directory),
        inject: [NATS_CONNECTION, BusNaming],
      },
      { provide: AdminAuthenticator, useValue: new AdminAuthenticator(options.adminTokens ?? []) },
      {
        provide: APP_GUARD,
        useFactory: (
          reflector: Reflector,
          context: TenantContext,
          admins: AdminAuthenticator,
          directory: TenantDirectory,
        ) =>
          new TenantResolutionGuard(reflector, context, admins, buildResolvers(options, directory)),
        inject: [Reflector, TenantContext, AdminAuthenticator, TenantDirectory],
      },
      { provide: APP_GUARD, useClass: RequestInputGuard },
      { provide: APP_INTERCEPTOR, useClass: TenantScopeInterceptor },
      { provide: APP_FILTER, useClass: TenantbusExceptionFilter },
      { provide: APP_PIPE, useFactory: createValidationPipe },
    ];
    return {
      module: TenantContextModule,
      global: true,
      imports: [DiscoveryModule], // the NATS transport finds the scope each handler declares
      providers,
      exports: [
        TENANT_CONTEXT_OPTIONS,
        ClsService,
        TenantContext,
        NATS_CONNECTION,
        BusNaming,
        TenantBus,
        DeadLetterPublisher,
        TenantDirectory,
        AdminAuthenticator,
      ],
    };
  }
}
