import type { INestApplication, INestMicroservice } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import {
  NestMicroservice,
  Transport,
  type ClientProvider,
  type MsPattern,
} from '@nestjs/microservices';
import { PATTERN_METADATA } from '@nestjs/microservices/constants';
import { transformPatternToRoute } from '@nestjs/microservices/utils';
import { TenantContext } from '../context/tenant-context';
import { TenantDirectory } from '../directory/tenant-directory';
import type { RouteScope } from '../http/scope.decorators';
import { declaredScope } from '../http/tenant-resolution.guard';
import { TenantbusExceptionFilter } from '../http/tenantbus-exception.filter';
import { createValidationPipe } from '../http/validation.pipe';
import type { TenantContextModuleOptions } from '../module/tenant-context.module';
import { TENANT_CONTEXT_OPTIONS } from '../module/tokens';
import { DeadLetterPublisher } from './dead-letter.publisher';
import { TenantNatsServer } from './tenant-nats.server';
import { TenantNatsSerializer } from './tenant-nats.serializer';

/**
 * Attaches the tenant-scoped NATS transport (`TenantNatsServer`) to a hybrid app. Its handlers
 * get the app's error mapping and validation, not the app's global enhancers, which are HTTP's:
 * the scope each message carries is restored by the transport itself.
 */
export function connectTenantMicroservice(
  app: INestApplication,
  natsUrl: string,
  queue: string,
): INestMicroservice {
  const options = app.get<TenantContextModuleOptions>(TENANT_CONTEXT_OPTIONS);
  const directory = app.get(TenantDirectory);
  const server = new TenantNatsServer(
    { servers: natsUrl, queue },
    {
      context: app.get(TenantContext),
      deadLetters: app.get(DeadLetterPublisher),
      verifyTenant:
        options.verifyMessageTenants === false
          ? undefined
          : (tenantId) => directory.exists(tenantId),
      declared: declaredMessageScopes(app),
    },
  );
  // Deferred so the filter and pipe are there when the handlers are wired; then what Nest does
  // for a hybrid app's microservice that it does not defer.
  const microservice = app.connectMicroservice(
    { strategy: server },
    { deferInitialization: true },
  ) as NestMicroservice;
  microservice.useGlobalFilters(new TenantbusExceptionFilter());
  microservice.useGlobalPipes(createValidationPipe());
  microservice.registerListeners();
  microservice.setIsInitialized(true);
  microservice.setIsInitHookCalled(true);
  return microservice;
}

/** Options for a `ClientsModule` NATS client whose every message carries the caller's scope. */
export function tenantNatsClient(natsUrl: string): ClientProvider {
  return {
    transport: Transport.NATS,
    options: { servers: natsUrl, serializer: new TenantNatsSerializer() },
  };
}

/** The scope every message handler declares, by route; one route takes one scope. */
function declaredMessageScopes(app: INestApplication): Map<string, RouteScope> {
  const reflector = app.get(Reflector);
  const scanner = new MetadataScanner();
  const scopes = new Map<string, RouteScope>();
  for (const { instance, metatype } of app.get(DiscoveryService).getControllers()) {
    if (!instance || !metatype) continue;
    const prototype = Object.getPrototypeOf(instance) as Record<string, () => unknown>;
    for (const name of scanner.getAllMethodNames(prototype)) {
      const handler = prototype[name];
      const patterns = Reflect.getMetadata(PATTERN_METADATA, handler) as MsPattern[] | undefined;
      const scope = declaredScope(reflector, handler, metatype);
      for (const pattern of patterns ?? []) {
        const route = transformPatternToRoute(pattern);
        const other = scopes.get(route);
        if (other && JSON.stringify(other) !== JSON.stringify(scope)) {
          throw new Error(`handlers of "${route}" declare different scopes`);
        }
        scopes.set(route, scope);
      }
    }
  }
  return scopes;
}
