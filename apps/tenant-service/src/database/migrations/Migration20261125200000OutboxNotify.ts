import { Migration } from '@mikro-orm/migrations';
import { OUTBOX_NOTIFY_SQL } from '@tenantbus/tenant-context';

/** Commits that write outbox rows wake the relay (LISTEN/NOTIFY) instead of waiting for its poll. */
export class Migration20261125200000OutboxNotify extends Migration {
  override up(): void {
    for (const sql of OUTBOX_NOTIFY_SQL) this.addSql(sql);
  }
}
