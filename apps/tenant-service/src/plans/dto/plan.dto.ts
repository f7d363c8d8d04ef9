import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length, registerDecorator } from 'class-validator';

/** Limits per meter: non-negative numbers, or null for unlimited. */
function IsPlanLimits() {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'isPlanLimits',
      target: target.constructor,
      propertyName,
      validator: {
        validate: (value: unknown) =>
          typeof value === 'object' &&
          value !== null &&
          !Array.isArray(value) &&
          Object.keys(value).length <= 50 &&
          Object.entries(value).every(
            ([key, limit]) =>
              /^[a-z][a-z0-9_]{0,62}$/.test(key) &&
              (limit === null ||
                (typeof limit === 'number' && limit >= 0 && Number.isFinite(limit))),
          ),
        defaultMessage: () =>
          'limits must map meter names (snake_case) to non-negative numbers or null',
      },
    });
}

export class UpsertPlanDto {
  @ApiProperty({ example: 'Pro' })
  @IsString()
  @Length(1, 100)
  name!: string;

  @ApiProperty({
    example: {
      api_calls: 1_000_000,
      sync_accounts: 50,
      usage_events: 10_000_000,
      requests_per_second: 50,
    },
  })
  @IsPlanLimits()
  limits!: Record<string, number | null>;
}

export class PlanView {
  @ApiProperty() code!: string;
  @ApiProperty() name!: string;
  @ApiProperty() limits!: Record<string, number | null>;
}
