import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { BusNaming, QuotaCheckRequestSchema, Subjects } from '@tenantbus/contracts';
import {
  admitTenantMessage,
  NATS_CONNECTION,
  TenantbusError,
  TenantContext,
  TenantDirectory,
} from '@tenantbus/tenant-context';
import { JSONCodec, type Msg, type NatsConnection, type Subscription } from 'nats';
import { QuotaService } from './quota.service';

const codec = JSONCodec<unknown>();
const QUEUE = 'usage-service';

/**
 * `usage.check {meter}` → `QuotaStatus`, answered in the requesting tenant's scope (from the
 * message headers, like every tenant message); errors come back as `{ error: { code, message } }`.
 * A plain queue subscription, as the subject carries the runtime bus prefix.
 */
@Injectable()
export class UsageCheckResponder implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(UsageCheckResponder.name);
  private subscription?: Subscription;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    private readonly naming: BusNaming,
    private readonly context: TenantContext,
    private readonly directory: TenantDirectory,
    private readonly quotas: QuotaService,
  ) {}

  onApplicationBootstrap(): void {
    this.subscription = this.nc.subscribe(this.naming.subject(Subjects.usageCheck.name), {
      queue: QUEUE,
      callback: (_error, msg) => void this.answer(msg),
    });
  }

  onApplicationShutdown(): void {
    this.subscription?.unsubscribe();
  }

  private async answer(msg: Msg): Promise<void> {
    const reply = await this.reply(msg).catch((error: unknown) => {
      if (error instanceof TenantbusError) return failure(error.code, error.message);
      this.logger.error({ msg: 'usage check failed', error: String(error) });
      return failure('INTERNAL', 'usage check failed');
    });
    msg.respond(codec.encode(reply));
  }

  private async reply(msg: Msg): Promise<unknown> {
    let raw: unknown;
    try {
      raw = codec.decode(msg.data);
    } catch {
      return failure('REQUEST_INVALID', 'request body is not JSON');
    }
    const request = QuotaCheckRequestSchema.safeParse(raw);
    if (!request.success) return failure('REQUEST_INVALID', 'expected { meter }');
    const admission = await admitTenantMessage(msg.headers, raw, (id) => this.directory.exists(id));
    if (!admission.ok) return failure(admission.reason, admission.detail);
    return this.context.runWithTenant(
      admission.tenantId,
      () => this.quotas.status(request.data.meter),
      { correlationId: admission.correlationId, actor: admission.actor },
    );
  }
}

function failure(code: string, message: string) {
  return { error: { code, message } };
}
