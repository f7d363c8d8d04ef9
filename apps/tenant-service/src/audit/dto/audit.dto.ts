import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { PageQuery } from '../../common/page.query';

/** The audit trail pages by `limit` and `cursor` only. */
export class ListAuditQuery extends PageQuery {}

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
