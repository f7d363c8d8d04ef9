import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  IsArray,
  IsBoolean,
  IsIn,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  MaxLength,
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  ValidateIf,
} from 'class-validator';
import {
  PROVIDER_NAMES,
  SYNC_STATUSES,
  type ProviderName,
  type SyncStatus,
} from '../account.entity';
import { IsCredentials } from './credentials.validator';

const ACCOUNT_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,254}$/;

/** `true`/`false` in a query string; anything else stays and fails `@IsBoolean`. */
const queryBoolean = ({ value }: { value: unknown }) =>
  value === 'true' ? true : value === 'false' ? false : value;

/** A write-only secret string of the seed's: stored with `credentials`, encrypted. */
const SeedSecret = () =>
  applyDecorators(
    ApiPropertyOptional({ maxLength: 8_192, writeOnly: true, description: 'Stored encrypted' }),
    IsOptional(),
    IsString(),
    MaxLength(8_192),
    Matches(/^[^\r\n\0]*$/, { message: '$property must not contain line breaks' }),
  );

/** The seed's credential fields, kept for compatibility; all of them form one secret. */
class SeedCredentialFields {
  @SeedSecret() airbnb_cookie?: string;
  @SeedSecret() x_airbnb_client_trace_id?: string;
  @SeedSecret() x_client_version?: string;
  @SeedSecret() user_agent?: string;

  @ApiPropertyOptional({
    writeOnly: true,
    type: 'object',
    additionalProperties: { type: 'string' },
    example: { token: '…' },
    description: 'Provider-specific secret (string values). Encrypted at rest, never returned.',
  })
  @IsOptional()
  @IsCredentials()
  credentials?: Record<string, string>;
}

export class CreateAccountDto extends SeedCredentialFields {
  @ApiProperty({ example: '310316675', description: 'External account id, unique per customer' })
  @IsString()
  @Matches(ACCOUNT_ID, { message: 'account_id: 1-255 letters, digits, ".", "_", ":" or "-"' })
  account_id!: string;

  @ApiPropertyOptional({
    format: 'uuid',
    description: "The owning tenant. Defaults to the caller's; admins name any tenant here.",
  })
  @IsOptional()
  @IsUUID()
  customer_id?: string;

  @ApiPropertyOptional({ maxLength: 200 })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  display_name?: string;

  @ApiPropertyOptional({ default: true })
  @IsOptional()
  @IsBoolean()
  is_active?: boolean;

  @ApiPropertyOptional({ enum: PROVIDER_NAMES, default: 'simulated' })
  @IsOptional()
  @IsIn(PROVIDER_NAMES)
  provider?: ProviderName;
}

export class UpdateAccountDto extends SeedCredentialFields {
  @ApiPropertyOptional({
    format: 'uuid',
    nullable: true,
    description:
      'Admin only: reassigns the account to another customer (audited). null is refused: ' +
      'every account has an owner.',
  })
  @IsOptional()
  @ValidateIf((_dto, value) => value !== null)
  @IsUUID()
  customer_id?: string | null;

  @ApiPropertyOptional({ maxLength: 200, nullable: true })
  @IsOptional()
  @ValidateIf((_dto, value) => value !== null)
  @IsString()
  @MaxLength(200)
  display_name?: string | null;

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  is_active?: boolean;

  @ApiPropertyOptional({ enum: PROVIDER_NAMES })
  @IsOptional()
  @IsIn(PROVIDER_NAMES)
  provider?: ProviderName;
}

export class ListAccountsQuery {
  @ApiPropertyOptional({
    format: 'uuid',
    description: "Seed P3-27. Must be the caller's tenant unless the caller is an admin.",
  })
  @IsOptional()
  @IsUUID()
  customer_id?: string;

  @ApiPropertyOptional({ default: false })
  @IsOptional()
  @Transform(queryBoolean)
  @IsBoolean()
  active_only?: boolean;
}

export class CustomerAccountsQuery {
  @ApiPropertyOptional({ default: false })
  @IsOptional()
  @Transform(queryBoolean)
  @IsBoolean()
  active_only?: boolean;
}

export class BulkAssignDto {
  @ApiProperty({ format: 'uuid', description: 'The customer that owns the accounts now' })
  @IsUUID()
  from_customer_id!: string;

  @ApiProperty({ type: [String], minItems: 1, maxItems: 500 })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(500)
  @ArrayUnique()
  @Matches(ACCOUNT_ID, { each: true })
  account_ids!: string[];
}

/** The seed's account shape, plus sync state. Never contains credentials. */
export class AccountView {
  @ApiProperty({ example: '310316675' }) account_id!: string;
  @ApiProperty({ format: 'uuid' }) customer_id!: string;
  @ApiProperty({ nullable: true, type: String }) display_name!: string | null;
  @ApiProperty({ enum: PROVIDER_NAMES }) provider!: ProviderName;
  @ApiProperty() is_active!: boolean;
  @ApiProperty({ description: 'Whether credentials are stored (they are never returned)' })
  has_credentials!: boolean;
  @ApiProperty({ enum: SYNC_STATUSES }) sync_status!: SyncStatus;
  @ApiProperty({ nullable: true, type: String }) last_sync_at!: string | null;
  @ApiProperty({ nullable: true, type: String }) next_sync_at!: string | null;
  @ApiProperty({ nullable: true, type: String }) last_error!: string | null;
  @ApiProperty() created_at!: string;
  @ApiProperty() updated_at!: string;
  @ApiProperty({ nullable: true, type: String }) deleted_at!: string | null;
}

export class BulkAssignView {
  @ApiProperty({ format: 'uuid' }) customer_id!: string;
  @ApiProperty({ type: [String] }) account_ids!: string[];
}

export class AccountAuditView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() account_id!: string;
  @ApiProperty({ example: 'customer_reassigned' }) event!: string;
  @ApiProperty({ format: 'uuid' }) old_customer_id!: string;
  @ApiProperty({ format: 'uuid' }) new_customer_id!: string;
  @ApiProperty({ example: 'admin:ops' }) actor!: string;
  @ApiProperty() created_at!: string;
}
