import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { generateApiKey } from '@tenantbus/tenant-context';
import { isUUID } from 'class-validator';
import { AuditService } from '../audit/audit.service';
import { ConflictError, NotFoundError } from '../common/registry.errors';
import { TenantEventsService } from '../tenants/tenant-events.service';
import type { Tenant } from '../tenants/tenant.entity';
import { TenantsService } from '../tenants/tenants.service';
import { ApiKey } from './api-key.entity';
import { toApiKeyView } from './api-key.view';
import type { ApiKeyView, CreateApiKeyDto, CreatedApiKey } from './dto/api-key.dto';

/**
 * Tenant API keys. The plaintext key leaves this service once, in the create response; only the
 * prefix and the hash of the secret are stored. Keys are part of the directory entry, so every
 * change bumps the tenant version and announces `tenant.api_keys_changed`. A suspended tenant
 * may still manage its keys (e.g. rotate a leaked one); a deleted one may not.
 */
@Injectable()
export class ApiKeysService {
  constructor(
    private readonly em: EntityManager,
    private readonly tenants: TenantsService,
    private readonly audit: AuditService,
    private readonly events: TenantEventsService,
  ) {}

  async list(tenantId: string): Promise<ApiKeyView[]> {
    const tenant = await this.tenants.load(tenantId);
    const keys = await this.em.find(
      ApiKey,
      { tenant: tenant.id },
      { orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] },
    );
    return keys.map(toApiKeyView);
  }

  async create(tenantId: string, dto: CreateApiKeyDto): Promise<CreatedApiKey> {
    const tenant = await this.mutableTenant(tenantId);
    const { key, prefix, hash } = generateApiKey();
    const apiKey = this.em.create(ApiKey, {
      tenant,
      name: dto.name,
      role: dto.role ?? 'member',
      prefix,
      secretHash: hash,
      expiresAt: dto.expiresAt ? new Date(dto.expiresAt) : null,
    });
    await this.changed(tenant, 'api_key.created', apiKey, null);
    const view = toApiKeyView(apiKey);
    return {
      id: view.id,
      name: view.name,
      role: view.role,
      prefix: view.prefix,
      key,
      createdAt: view.createdAt,
      expiresAt: view.expiresAt,
    };
  }

  async revoke(tenantId: string, keyId: string): Promise<ApiKeyView> {
    const tenant = await this.mutableTenant(tenantId);
    const apiKey = isUUID(keyId)
      ? await this.em.findOne(ApiKey, { id: keyId, tenant: tenant.id })
      : null;
    if (!apiKey) throw new NotFoundError('API key', { apiKey: keyId });
    if (apiKey.revokedAt)
      throw new ConflictError('API_KEY_ALREADY_REVOKED', 'The API key is already revoked');
    const before = toApiKeyView(apiKey);
    apiKey.revokedAt = new Date();
    await this.changed(tenant, 'api_key.revoked', apiKey, before);
    return toApiKeyView(apiKey);
  }

  private async changed(
    tenant: Tenant,
    action: string,
    apiKey: ApiKey,
    before: ApiKeyView | null,
  ): Promise<void> {
    tenant.updatedAt = new Date();
    await this.events.emit(tenant, 'tenant.api_keys_changed');
    this.audit.record({
      tenantId: tenant.id,
      action,
      targetType: 'api_key',
      targetId: apiKey.id,
      before,
      after: toApiKeyView(apiKey),
    });
  }

  private async mutableTenant(id: string): Promise<Tenant> {
    const tenant = await this.tenants.load(id);
    if (tenant.status === 'deleted')
      throw new ConflictError('TENANT_DELETED', 'The tenant is deleted');
    return tenant;
  }
}
