import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { BusNaming, Subjects, type TenantLimits } from '@tenantbus/contracts';
import {
  admitTenantMessage,
  NATS_CONNECTION,
  TenantbusError,
  TenantContext,
  TenantDirectory,
} from '@tenantbus/tenant-context';
import { JSONCodec, type Msg, type NatsConnection, type Subscription } from 'nats';
import type { z } from 'zod';
import { TenantGate } from '../lifecycle/tenant-gate';
import { QuotaService } from './quota.service';

const codec = JSONCodec<unknown>();
const QUEUE = 'usage-service';

/**
 * `usage.check {meter}` → `QuotaStatus` and `usage.limits {}` → `TenantLimits` (what the lib's
 * quota guard caches), answered in the requesting tenant's scope (from the message headers, like
 * every tenant message); errors come back as `{ error: { code, message } }`. Plain queue
 * subscriptions, as the subjects carry the runtime bus prefix.
 */
@Injectable()
export class UsageCheckResponder implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(UsageCheckResponder.name);
  private readonly subscriptions: Subscription[] = [];

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    private readonly naming: BusNaming,
    private readonly context: TenantContext,
    private readonly directory: TenantDirectory,
    private readonly quotas: QuotaService,
    private readonly gate: TenantGate,
  ) {}

  onApplicationBootstrap(): void {
    this.serve(Subjects.usageCheck.schema, Subjects.usageCheck.name, (request) =>
      this.quotas.status(request.meter),
    );
    this.serve(Subjects.usageLimits.schema, Subjects.usageLimits.name, () => this.limits());
  }

  onApplicationShutdown(): void {
    this.subscriptions.forEach((subscription) => subscription.unsubscribe());
  }

  private async limits(): Promise<TenantLimits> {
    const state = await this.gate.state();
    return { plan: state?.planCode ?? null, limits: state?.limits ?? {} };
  }

  private serve<S extends z.ZodType>(
    schema: S,
    name: string,
    handle: (request: z.output<S>) => Promise<unknown>,
  ): void {
    this.subscriptions.push(
      this.nc.subscribe(this.naming.subject(name), {
        queue: QUEUE,
        callback: (_error, msg) => void this.answer(msg, schema, handle),
      }),
    );
  }

  private async answer<S extends z.ZodType>(
    msg: Msg,
    schema: S,
    handle: (request: z.output<S>) => Promise<unknown>,
  ): Promise<void> {
    const reply = await this.reply(msg, schema, handle).catch((error: unknown) => {
      if (error instanceof TenantbusError) return failure(error.code, error.message);
      this.logger.error({
        msg: 'usage request failed',
        subject: msg.subject,
        error: String(error),
      });
      return failure('INTERNAL', 'usage request failed');
    });
    msg.respond(codec.encode(reply));
  }

  private async reply<S extends z.ZodType>(
    msg: Msg,
    schema: S,
    handle: (request: z.output<S>) => Promise<unknown>,
  ): Promise<unknown> {
    let raw: unknown;
    try {
      raw = codec.decode(msg.data);
    } catch {
      return failure('REQUEST_INVALID', 'request body is not JSON');
    }
    const request = schema.safeParse(raw);
    if (!request.success) return failure('REQUEST_INVALID', request.error.issues[0]?.message ?? '');
    const admission = await admitTenantMessage(msg.headers, raw, (id) => this.directory.exists(id));
    if (!admission.ok) return failure(admission.reason, admission.detail);
    return this.context.runWithTenant(admission.tenantId, () => handle(request.data), {
      correlationId: admission.correlationId,
      actor: admission.actor,
    });
  }
}

function failure(code: string, message: string) {
  return { error: { code, message } };
}
