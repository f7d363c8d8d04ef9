import type { INestApplication } from '@nestjs/common';
import { Transport, type ClientProvider } from '@nestjs/microservices';
import { TenantNatsSerializer } from './tenant-nats.serializer';

/**
 * Attaches Nest's NATS transport to a hybrid app. `inheritAppConfig` is what makes the global
 * guard, interceptor and filter (and so tenant restoration) apply to message handlers too.
 */
export function connectTenantMicroservice(
  app: INestApplication,
  natsUrl: string,
  queue: string,
): void {
  app.connectMicroservice(
    { transport: Transport.NATS, options: { servers: natsUrl, queue } },
    { inheritAppConfig: true },
  );
}

/** Options for a `ClientsModule` NATS client whose every message carries the caller's scope. */
export function tenantNatsClient(natsUrl: string): ClientProvider {
  return {
    transport: Transport.NATS,
    options: { servers: natsUrl, serializer: new TenantNatsSerializer() },
  };
}
