import { SetMetadata } from '@nestjs/common';
import type { TenantLifecycleEvent } from '@tenantbus/contracts';
import type { TenantStateSnapshot } from './tenant-state.entity';

export const TENANT_LIFECYCLE_LISTENER = Symbol('TENANT_LIFECYCLE_LISTENER');

/**
 * A service's reaction to tenant lifecycle events. Runs in system scope inside the transaction
 * that records the new `TenantState`, once per event that is newer than the stored state; if it
 * throws, the state is not advanced and the event is redelivered.
 */
export interface TenantLifecycleListener {
  onTenantEvent(event: TenantLifecycleEvent, previous: TenantStateSnapshot | null): Promise<void>;
}

/** Marks a provider as a `TenantLifecycleListener`; `TenantLifecycleModule` finds it. */
export const OnTenantLifecycle = (): ClassDecorator => SetMetadata(TENANT_LIFECYCLE_LISTENER, true);
