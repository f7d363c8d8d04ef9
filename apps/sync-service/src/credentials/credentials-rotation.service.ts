import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable, Logger } from '@nestjs/common';
import { Account } from '../accounts/account.entity';
import { AccountCredentials } from './account-credentials';

const BATCH = 200;

/**
 * Re-seals every account's credentials still under an older key with the active one, across all
 * tenants (an admin route: system scope). Writes re-seal lazily anyway; this finishes the job so
 * the old key can be dropped from `CREDENTIALS_KEYS`.
 */
@Injectable()
export class CredentialsRotationService {
  private readonly logger = new Logger(CredentialsRotationService.name);

  constructor(
    private readonly em: EntityManager,
    private readonly credentials: AccountCredentials,
  ) {}

  async reencryptAll(): Promise<{ reencrypted: number; active_key_id: string }> {
    const active = this.credentials.activeKeyId;
    let reencrypted = 0;
    for (;;) {
      const stale = await this.em.find(
        Account,
        { credentialsKeyId: { $ne: null, $nin: [active] } },
        { populate: ['credentialsCiphertext'], limit: BATCH },
      );
      if (!stale.length) break;
      for (const account of stale) this.credentials.write(account, this.credentials.read(account));
      await this.em.flush();
      this.em.clear();
      reencrypted += stale.length;
    }
    this.logger.log({ msg: 'credentials re-encrypted', reencrypted, active_key_id: active });
    return { reencrypted, active_key_id: active };
  }
}
