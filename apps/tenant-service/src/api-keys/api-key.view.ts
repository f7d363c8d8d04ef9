import type { ApiKeyView } from './dto/api-key.dto';
import type { ApiKey } from './api-key.entity';

const iso = (date?: Date | null) => (date ? date.toISOString() : null);

/** The API shape of a key: never the secret, never its hash. */
export function toApiKeyView(key: ApiKey): ApiKeyView {
  return {
    id: key.id,
    name: key.name,
    role: key.role,
    prefix: key.prefix,
    createdAt: key.createdAt.toISOString(),
    expiresAt: iso(key.expiresAt),
    lastUsedAt: iso(key.lastUsedAt),
    revokedAt: iso(key.revokedAt),
  };
}
