import {
  TENANT_LIFECYCLE_WILDCARD,
  USAGE_ALERTS_WILDCARD,
  USAGE_EVENTS_WILDCARD,
  USAGE_STREAM,
  type BusNaming,
} from '@tenantbus/contracts';
import { DiscardPolicy, RetentionPolicy, type NatsConnection } from 'nats';

export const TENANT_EVENTS_STREAM = 'tenant_events';
export const ACCOUNT_EVENTS_STREAM = 'account_events';
/** Longer than any outage a publisher should ride out, so a re-publish is still recognised. */
const DUPLICATE_WINDOW_NS = 30 * 60 * 1_000_000_000;

/**
 * Creates a limits-based stream if it does not exist. Every service that publishes to or consumes
 * from a stream calls this at start, so start order between services does not matter.
 */
async function ensureStream(nc: NatsConnection, name: string, subjects: string[]): Promise<string> {
  const jsm = await nc.jetstreamManager();
  try {
    await jsm.streams.info(name);
  } catch {
    try {
      await jsm.streams.add({
        name,
        subjects,
        retention: RetentionPolicy.Limits,
        discard: DiscardPolicy.Old,
        duplicate_window: DUPLICATE_WINDOW_NS,
      });
    } catch (error) {
      // Another service may have created it between our info and add; otherwise report the add.
      const exists = await jsm.streams.info(name).then(
        () => true,
        () => false,
      );
      if (!exists) throw error;
    }
  }
  return name;
}

/** Lifecycle events: `<prefix>.tenant.*`. */
export function ensureTenantEventsStream(nc: NatsConnection, naming: BusNaming): Promise<string> {
  return ensureStream(nc, naming.stream(TENANT_EVENTS_STREAM), [
    naming.subject(TENANT_LIFECYCLE_WILDCARD),
  ]);
}

/** Usage events and quota alerts: `<prefix>.usage.events.>`, `<prefix>.usage.alerts.>`. */
export function ensureUsageStream(nc: NatsConnection, naming: BusNaming): Promise<string> {
  return ensureStream(nc, naming.stream(USAGE_STREAM), [
    naming.subject(USAGE_EVENTS_WILDCARD),
    naming.subject(USAGE_ALERTS_WILDCARD),
  ]);
}

/** Account events of the sync-service (`accounts.reassigned`): `<prefix>.accounts.>`. */
export function ensureAccountEventsStream(nc: NatsConnection, naming: BusNaming): Promise<string> {
  return ensureStream(nc, naming.stream(ACCOUNT_EVENTS_STREAM), [naming.subject('accounts.>')]);
}
