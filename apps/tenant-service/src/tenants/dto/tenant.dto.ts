import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  IsArray,
  IsFQDN,
  IsIn,
  IsOptional,
  IsString,
  Length,
  Matches,
} from 'class-validator';
import { PageQuery } from '../../common/page.query';
import { IsTenantSettings } from './tenant-settings.validator';

export const SLUG_PATTERN = /^[a-z0-9](-?[a-z0-9])*$/;
const TENANT_STATUSES = ['active', 'suspended', 'deleted'] as const;

export class CreateTenantDto {
  @ApiProperty({ example: 'acme', pattern: SLUG_PATTERN.source, minLength: 3, maxLength: 63 })
  @IsString()
  @Length(3, 63)
  @Matches(SLUG_PATTERN, {
    message: 'slug must be lower-case letters and digits, single dashes inside',
  })
  slug!: string;

  @ApiProperty({ example: 'Acme Corp' })
  @IsString()
  @Length(1, 200)
  name!: string;

  @ApiPropertyOptional({ example: 'pro', default: 'free' })
  @IsOptional()
  @IsString()
  @Length(1, 63)
  plan?: string;

  @ApiPropertyOptional({ example: { timezone: 'Europe/Paris', locale: 'fr-FR' } })
  @IsOptional()
  @IsTenantSettings()
  settings?: Record<string, unknown>;

  @ApiPropertyOptional({
    description: 'Your own id for the tenant (unique); used by /tenants/resolve',
  })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  externalRef?: string;

  @ApiPropertyOptional({ type: [String], example: ['app.acme.example'] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @IsFQDN({ require_tld: true }, { each: true })
  domains?: string[];
}

export class UpdateTenantDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Length(1, 200)
  name?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Length(1, 63)
  plan?: string;

  @ApiPropertyOptional({
    description: 'Merged into the current settings; a null value removes the key',
  })
  @IsOptional()
  @IsTenantSettings({ allowNull: true })
  settings?: Record<string, unknown>;
}

export class SuspendTenantDto {
  @ApiProperty({ example: 'invoice overdue' })
  @IsString()
  @Length(1, 500)
  reason!: string;
}

export class ResolveTenantDto {
  @ApiProperty({ example: 'crm-account-42' })
  @IsString()
  @Length(1, 200)
  externalRef!: string;

  @ApiPropertyOptional({ example: 'Account 42' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  name?: string;
}

export class ListTenantsQuery extends PageQuery {
  @ApiPropertyOptional({ enum: TENANT_STATUSES })
  @IsOptional()
  @IsIn(TENANT_STATUSES)
  status?: (typeof TENANT_STATUSES)[number];

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  plan?: string;

  @ApiPropertyOptional({ description: 'Matches slug or name (case-insensitive)' })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  q?: string;
}

export class TenantView {
  @ApiProperty() id!: string;
  @ApiProperty() slug!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: TENANT_STATUSES }) status!: string;
  @ApiProperty() plan!: string;
  @ApiProperty() settings!: Record<string, unknown>;
  @ApiPropertyOptional({ nullable: true, type: String }) externalRef!: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) suspendedReason!: string | null;
  @ApiProperty({ type: [String] }) domains!: string[];
  @ApiProperty() version!: number;
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;
  @ApiPropertyOptional({ nullable: true, type: String }) deletedAt!: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) purgedAt!: string | null;
}

export class TenantPage {
  @ApiProperty({ type: [TenantView] }) items!: TenantView[];
  @ApiPropertyOptional({ nullable: true, type: String }) nextCursor!: string | null;
}

export class ResolvedTenant {
  @ApiProperty() created!: boolean;
  @ApiProperty({ type: TenantView }) tenant!: TenantView;
}
