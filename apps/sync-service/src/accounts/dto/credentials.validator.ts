import { ValidateBy, type ValidationOptions } from 'class-validator';

const MAX_KEYS = 20;
const MAX_VALUE_LENGTH = 8_192;

/** A flat object of short string values whose keys are header-like names. */
export function isCredentialsRecord(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const entries = Object.entries(value);
  return (
    entries.length > 0 &&
    entries.length <= MAX_KEYS &&
    entries.every(
      ([key, item]) =>
        /^[a-z][a-z0-9_]{0,62}$/.test(key) &&
        typeof item === 'string' &&
        item.length <= MAX_VALUE_LENGTH &&
        !/[\r\n\0]/.test(item),
    )
  );
}

export function IsCredentials(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isCredentials',
      validator: {
        validate: (value) => isCredentialsRecord(value),
        defaultMessage: () =>
          `credentials must be an object of 1-${MAX_KEYS} snake_case keys with string values ` +
          `(no line breaks, at most ${MAX_VALUE_LENGTH} characters)`,
      },
    },
    options,
  );
}
