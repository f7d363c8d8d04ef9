import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsISO8601, IsOptional, IsString, Length, registerDecorator } from 'class-validator';

export const API_KEY_ROLES = ['admin', 'member', 'read_only'] as const;
export type ApiKeyRole = (typeof API_KEY_ROLES)[number];

/** An ISO date-time that is still ahead of us (checked when the request arrives). */
function IsFutureDate() {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'isFutureDate',
      target: target.constructor,
      propertyName,
      validator: {
        validate: (value: unknown) =>
          typeof value === 'string' && new Date(value).getTime() > Date.now(),
        defaultMessage: () => `${propertyName} must be in the future`,
      },
    });
}

export class CreateApiKeyDto {
  @ApiProperty({ example: 'CI pipeline' })
  @IsString()
  @Length(1, 200)
  name!: string;

  @ApiPropertyOptional({ enum: API_KEY_ROLES, default: 'member' })
  @IsOptional()
  @IsIn(API_KEY_ROLES)
  role?: ApiKeyRole;

  @ApiPropertyOptional({ format: 'date-time', description: 'Must be in the future' })
  @IsOptional()
  @IsISO8601({ strict: true })
  @IsFutureDate()
  expiresAt?: string;
}

export class ApiKeyView {
  @ApiProperty() id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: API_KEY_ROLES }) role!: string;
  @ApiProperty({ description: 'Public part of the key (`tb_<prefix>_…`)' }) prefix!: string;
  @ApiProperty() createdAt!: string;
  @ApiPropertyOptional({ nullable: true, type: String }) expiresAt!: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) lastUsedAt!: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) revokedAt!: string | null;
}

export class CreatedApiKey {
  @ApiProperty() id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: API_KEY_ROLES }) role!: string;
  @ApiProperty() prefix!: string;
  @ApiProperty({ description: 'The whole key; shown once, only its hash is kept' }) key!: string;
  @ApiProperty() createdAt!: string;
  @ApiPropertyOptional({ nullable: true, type: String }) expiresAt!: string | null;
}
