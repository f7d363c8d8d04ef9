import { Injectable } from '@nestjs/common';
import type { Account } from '../accounts/account.entity';
import {
  CredentialsCipher,
  type Credentials,
  type CredentialsOwner,
  type SealedCredentials,
} from './credentials.cipher';

/** Reads and writes an account's sealed credentials; load `credentialsCiphertext` (lazy) first. */
@Injectable()
export class AccountCredentials {
  constructor(private readonly cipher: CredentialsCipher) {}

  read(account: Account): Credentials | null {
    if (account.credentialsKeyId === null || account.credentialsCiphertext === null) return null;
    return this.cipher.open(
      { keyId: account.credentialsKeyId, ciphertext: account.credentialsCiphertext },
      account,
    );
  }

  /** Seals under the active key for the account's current owner. */
  write(account: Account, credentials: Credentials | null): void {
    const sealed = this.seal(credentials, account);
    account.credentialsKeyId = sealed?.keyId ?? null;
    account.credentialsCiphertext = sealed?.ciphertext ?? null;
  }

  /** Seals for an owner the account does not have yet (reassignment). */
  seal(credentials: Credentials | null, owner: CredentialsOwner): SealedCredentials | null {
    return credentials === null ? null : this.cipher.seal(credentials, owner);
  }

  /** Key rotation, lazily: any write re-seals credentials still under an older key. */
  isStale(account: Account): boolean {
    return account.credentialsKeyId !== null && !this.cipher.isCurrent(account.credentialsKeyId);
  }

  get activeKeyId(): string {
    return this.cipher.activeKeyId;
  }
}
