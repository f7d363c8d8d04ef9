import type { BusNaming } from '@tenantbus/contracts';
import { DiscardPolicy, RetentionPolicy, type NatsConnection } from 'nats';

export const TENANT_EVENTS_STREAM = 'tenant_events';
/** Longer than any outage the relay should ride out, so a re-publish is still recognised. */
const DUPLICATE_WINDOW_NS = 30 * 60 * 1_000_000_000;

/** The durable stream of lifecycle events (`<prefix>.tenant.>`); created if missing. */
export async function ensureTenantEventsStream(
  nc: NatsConnection,
  naming: BusNaming,
): Promise<string> {
  const jsm = await nc.jetstreamManager();
  const name = naming.stream(TENANT_EVENTS_STREAM);
  try {
    await jsm.streams.info(name);
  } catch {
    await jsm.streams.add({
      name,
      subjects: [naming.subject('tenant.>')],
      retention: RetentionPolicy.Limits,
      discard: DiscardPolicy.Old,
      duplicate_window: DUPLICATE_WINDOW_NS,
    });
  }
  return name;
}
