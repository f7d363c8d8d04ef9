import { z } from 'zod';
import type { ServiceConfig } from '../config/service-config';
import { Failpoints } from '../failpoints/failpoints';
import type { OutboxRelayOptions } from './outbox.relay';

/** Settings of a service with an outbox; `.extend()` a service schema with this shape. */
export const OutboxConfigShape = {
  /** Off on replicas that must not publish, and in tests that drive the relay by hand. */
  OUTBOX_RELAY_ENABLED: z
    .enum(['true', 'false'])
    .default('true')
    .transform((value) => value === 'true'),
  /** The safety-net poll: commits wake the relay at once (LISTEN/NOTIFY). */
  OUTBOX_POLL_MS: z.coerce.number().int().min(10).max(60_000).default(1_000),
  OUTBOX_BATCH_SIZE: z.coerce.number().int().min(1).max(1_000).default(100),
};

export type OutboxConfig = z.output<z.ZodObject<typeof OutboxConfigShape>> &
  Pick<ServiceConfig, 'TENANTBUS_FAILPOINTS'>;

/** The relay's options from a service's validated configuration. */
export function outboxRelayOptions(
  config: OutboxConfig,
  ensureStreams: OutboxRelayOptions['ensureStreams'],
): OutboxRelayOptions {
  return {
    enabled: config.OUTBOX_RELAY_ENABLED,
    pollMs: config.OUTBOX_POLL_MS,
    batchSize: config.OUTBOX_BATCH_SIZE,
    ensureStreams,
    failpoints: new Failpoints(config.TENANTBUS_FAILPOINTS),
  };
}
