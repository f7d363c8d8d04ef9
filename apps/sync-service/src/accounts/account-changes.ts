import type { AccountCredentials } from '../credentials/account-credentials';
import type { Credentials } from '../credentials/credentials.cipher';
import type { Account } from './account.entity';
import type { UpdateAccountDto } from './dto/account.dto';

const SEED_CREDENTIAL_FIELDS = [
  'airbnb_cookie',
  'x_airbnb_client_trace_id',
  'x_client_version',
  'user_agent',
] as const;

type CredentialFields = Pick<
  UpdateAccountDto,
  (typeof SEED_CREDENTIAL_FIELDS)[number] | 'credentials'
>;

/** The seed's credential fields and `credentials`, as one provider-specific secret; undefined if none. */
export function credentialsOf(dto: CredentialFields): Credentials | undefined {
  const seed = Object.fromEntries(
    SEED_CREDENTIAL_FIELDS.filter((field) => dto[field] !== undefined).map((field) => [
      field,
      dto[field] as string,
    ]),
  );
  if (!dto.credentials && Object.keys(seed).length === 0) return undefined;
  return { ...dto.credentials, ...seed };
}

/**
 * Applies a PATCH (not the owner change). Credentials given are merged into the stored ones, and
 * anything still sealed under an old key is re-sealed under the active one (lazy rotation).
 * Needs `credentialsCiphertext` loaded.
 */
export function applyAccountChanges(
  account: Account,
  dto: UpdateAccountDto,
  credentials: AccountCredentials,
): void {
  if (dto.display_name !== undefined) account.displayName = dto.display_name;
  if (dto.is_active !== undefined) account.isActive = dto.is_active;
  if (dto.provider !== undefined && dto.provider !== account.provider) {
    account.provider = dto.provider;
    // A checkpoint means something only to the provider that wrote it.
    account.syncCheckpoint = null;
  }
  const given = credentialsOf(dto);
  if (given || credentials.isStale(account)) {
    credentials.write(account, { ...credentials.read(account), ...given });
  }
}
