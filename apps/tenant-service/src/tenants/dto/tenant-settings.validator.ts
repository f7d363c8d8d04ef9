import { registerDecorator, type ValidationOptions } from 'class-validator';

const MAX_KEYS = 50;
const MAX_BYTES = 8_192;

function isTimeZone(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

function isLocale(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    return Intl.getCanonicalLocales(value).length === 1;
  } catch {
    return false;
  }
}

/** Why a settings object is refused, or undefined when it is fine. */
export function settingsProblem(value: unknown, { allowNull = false } = {}): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return 'settings must be an object';
  const entries = Object.entries(value);
  if (entries.length > MAX_KEYS) return `settings may hold at most ${MAX_KEYS} keys`;
  if (Buffer.byteLength(JSON.stringify(value)) > MAX_BYTES)
    return `settings may be at most ${MAX_BYTES} bytes`;
  for (const [key, item] of entries) {
    if (!/^[A-Za-z][A-Za-z0-9_.-]{0,63}$/.test(key))
      return `settings key "${key}" is not a valid name`;
    if (item === null && allowNull) continue;
    if (key === 'timezone' && !isTimeZone(item))
      return 'settings.timezone must be an IANA time zone';
    if (key === 'locale' && !isLocale(item)) return 'settings.locale must be a BCP 47 locale';
  }
  return undefined;
}

/** Free-form settings with known keys checked (`timezone`, `locale`) and a size bound. */
export function IsTenantSettings(
  options: { allowNull?: boolean } = {},
  validationOptions?: ValidationOptions,
) {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'isTenantSettings',
      target: target.constructor,
      propertyName,
      options: validationOptions,
      validator: {
        validate: (value: unknown) => settingsProblem(value, options) === undefined,
        defaultMessage: (args) => settingsProblem(args?.value, options) ?? 'settings are not valid',
      },
    });
}
