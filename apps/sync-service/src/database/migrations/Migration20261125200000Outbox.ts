import { Migration } from '@mikro-orm/migrations';
import { OUTBOX_TABLE_SQL } from '@tenantbus/tenant-context';

/** The lib's outbox: usage and account events commit with the work they describe. */
export class Migration20261125200000Outbox extends Migration {
  override up(): void {
    for (const sql of OUTBOX_TABLE_SQL) this.addSql(sql);
  }
}
