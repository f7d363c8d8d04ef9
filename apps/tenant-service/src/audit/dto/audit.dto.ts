import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, Min } from 'class-validator';

export class ListAuditQuery {
  @ApiPropertyOptional({ default: 20, minimum: 1, maximum: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;

  @ApiPropertyOptional({ description: '`nextCursor` of the previous page' })
  @IsOptional()
  @IsString()
  cursor?: string;
}

export class AuditEntryView {
  @ApiProperty() id!: string;
  @ApiProperty({ example: 'admin:ops' }) actor!: string;
  @ApiProperty({ example: 'api_key.revoked' }) action!: string;
  @ApiProperty({ example: 'api_key' }) targetType!: string;
  @ApiProperty() targetId!: string;
  @ApiPropertyOptional({ nullable: true, type: Object }) before!: Record<string, unknown> | null;
  @ApiPropertyOptional({ nullable: true, type: Object }) after!: Record<string, unknown> | null;
  @ApiPropertyOptional({ nullable: true, type: String }) correlationId!: string | null;
  @ApiProperty() createdAt!: string;
}

export class AuditPage {
  @ApiProperty({ type: [AuditEntryView], description: 'Newest first' }) items!: AuditEntryView[];
  @ApiPropertyOptional({ nullable: true, type: String }) nextCursor!: string | null;
}
