import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { trace } from '@opentelemetry/api';
import { TenantIdSchema, type TenantId } from '@tenantbus/contracts';
import { ClsServiceManager, type ClsService } from 'nestjs-cls';
import { InvalidTenantIdError, TenantContextMissingError } from '../errors/tenantbus.error';
import type { Actor, SystemScope, TenantStore } from './tenant-store';

/**
 * Wraps every unit of work started through the context (e.g. the ORM opens a fresh
 * EntityManager and transaction), so that starting a scope also starts its resources.
 */
export interface ScopeHook {
  around<T>(fn: () => Promise<T>): Promise<T>;
  /**
   * Optional, for `TenantContext.runTenantsJointly`: opens one resource (the ORM: one
   * transaction) for the tenant scopes `fn` starts, which go through `perScope` instead of
   * `around`. The resource ends well (commits) only if `fn` resolves.
   */
  joint?<T>(fn: (perScope: ScopeHook) => Promise<T>): Promise<T>;
}

/** Runs `fn` in a fresh scope of `tenantId` inside `TenantContext.runTenantsJointly`. */
export type JointTenantRunner = <T>(tenantId: string, fn: () => Promise<T>) => Promise<T>;

export interface ScopeOptions {
  correlationId?: string;
  actor?: Actor;
  /** `debug` for periodic system loops (relays, schedulers) that would otherwise flood the log. */
  auditLevel?: 'log' | 'debug';
  /** `asSystem` only: the tenant the work concerns, for spans and logs (see `SystemScope`). */
  concerning?: string;
}

const logger = new Logger('TenantContext');

/**
 * Read access to the current scope. Reading the tenant with none set throws: there is no
 * "all tenants" fallback.
 */
export class TenantContextReader {
  constructor(protected readonly cls: ClsService<TenantStore>) {}

  get isActive(): boolean {
    return this.cls.isActive();
  }

  /** The current tenant; throws `TenantContextMissingError` when there is none. */
  get tenantId(): TenantId {
    const tenantId = this.maybeTenantId;
    if (!tenantId) throw new TenantContextMissingError('reading the tenant');
    return tenantId;
  }

  get maybeTenantId(): TenantId | undefined {
    return this.snapshot()?.tenantId;
  }

  get system(): SystemScope | undefined {
    return this.snapshot()?.system;
  }

  get isSystem(): boolean {
    return this.system !== undefined;
  }

  /**
   * The current store itself, for loggers that outlive the scope; undefined outside one. Read
   * whole: `cls.get(key)` splits its key as a path on every call.
   */
  snapshot(): TenantStore | undefined {
    return this.cls.get();
  }

  get correlationId(): string | undefined {
    return this.snapshot()?.correlationId;
  }

  get actor(): Actor | undefined {
    return this.snapshot()?.actor;
  }
}

/** Read-only view for code outside dependency injection (ORM hooks, span processors, loggers). */
export function readTenantContext(): TenantContextReader {
  return new TenantContextReader(ClsServiceManager.getClsService<TenantStore>());
}

/**
 * Starts scopes. One instance per application: integrations (the ORM) add hooks so that a new
 * scope also gets its own resources (EntityManager fork, transaction).
 * `asSystem` is the only way around tenant scoping.
 */
export class TenantContext extends TenantContextReader {
  private readonly scopeHooks: ScopeHook[] = [];

  /** Hooks run outermost-first in the order they were added. */
  addScopeHook(hook: ScopeHook): void {
    this.scopeHooks.push(hook);
  }

  /** Sets the tenant of the current scope, once (used by the HTTP edge after resolution). */
  bindTenant(tenantId: string, actor?: Actor): void {
    const current = this.maybeTenantId;
    const parsed = parseTenantId(tenantId);
    if (current && current !== parsed) {
      throw new Error(`scope already bound to tenant ${current}; refusing to rebind`);
    }
    this.cls.set('tenantId', parsed);
    if (actor) this.cls.set('actor', actor);
  }

  /** Records who is acting in the current scope (admin routes, before `asSystem`). */
  bindActor(actor: Actor): void {
    this.cls.set('actor', actor);
  }

  /** Runs `fn` in a fresh scope of `tenantId` (timers, schedulers, message handlers). */
  async runWithTenant<T>(
    tenantId: string,
    fn: () => Promise<T>,
    options: ScopeOptions = {},
  ): Promise<T> {
    return this.runScope({ ...this.inherited(options), tenantId: parseTenantId(tenantId) }, fn);
  }

  /**
   * Several tenants' units of work as one (batch consumers): `fn` gets `runAs(tenantId, work)`,
   * which runs `work` in a fresh scope of that tenant like `runWithTenant`, but hooks that can
   * share their resource do — the ORM runs every scope in one transaction, rebound to each
   * scope's tenant as it starts — so all of it commits when `fn` resolves and none of it if
   * anything throws. Scopes run one at a time. Costs one transaction instead of one per tenant.
   */
  async runTenantsJointly<T>(fn: (runAs: JointTenantRunner) => Promise<T>): Promise<T> {
    const open = (index: number, perScope: ScopeHook[]): Promise<T> => {
      const hook = this.scopeHooks[index];
      if (!hook)
        return fn((tenantId, work) =>
          this.runScope(
            { ...this.inherited({}), tenantId: parseTenantId(tenantId) },
            work,
            perScope,
          ),
        );
      if (!hook.joint) return open(index + 1, [...perScope, hook]);
      return hook.joint((shared) => open(index + 1, [...perScope, shared]));
    };
    // Opened in a fresh store without a tenant: the shared resource starts bound to nobody.
    return this.cls.runWith(this.inherited({}), () => open(0, []));
  }

  /**
   * The audited escape hatch: runs `fn` with no tenant and system privileges (ORM filter off,
   * the database's separately granted system role). Logged with the reason, marked on the span.
   */
  async asSystem<T>(reason: string, fn: () => Promise<T>, options: ScopeOptions = {}): Promise<T> {
    if (!reason.trim()) throw new Error('asSystem needs a reason: it is written to the audit log');
    const scope = this.inherited(options);
    const actor = scope.actor ?? { kind: 'system', id: 'system' };
    logger[options.auditLevel ?? 'log']({
      msg: 'entering system scope',
      event: 'tenant.system_scope',
      reason,
      actor: `${actor.kind}:${actor.id}`,
      from_tenant_id: this.maybeTenantId,
      concerning_tenant_id: options.concerning,
    });
    trace.getActiveSpan()?.addEvent('tenant.system_scope', { reason, actor: actor.id });
    const concerning = options.concerning ? parseTenantId(options.concerning) : undefined;
    return this.runScope({ ...scope, actor, system: { reason, concerning } }, fn);
  }

  private inherited(options: ScopeOptions): TenantStore {
    return {
      correlationId: options.correlationId ?? this.correlationId ?? randomUUID(),
      actor: options.actor ?? this.actor,
    };
  }

  private runScope<T>(
    store: TenantStore,
    fn: () => Promise<T>,
    hooks: readonly ScopeHook[] = this.scopeHooks,
  ): Promise<T> {
    const hooked = hooks.reduceRight<() => Promise<T>>(
      (inner, hook) => () => hook.around(inner),
      fn,
    );
    return this.cls.runWith(store, hooked);
  }
}

export function parseTenantId(value: unknown): TenantId {
  const parsed = TenantIdSchema.safeParse(value);
  if (!parsed.success) throw new InvalidTenantIdError(value);
  return parsed.data;
}
