/** The validated service configuration, for providers that need a setting. */
export const USAGE_CONFIG = Symbol('USAGE_CONFIG');
