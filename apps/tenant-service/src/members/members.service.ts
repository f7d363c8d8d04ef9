import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { isUUID } from 'class-validator';
import { AuditService } from '../audit/audit.service';
import { ConflictError, NotFoundError } from '../common/registry.errors';
import type { Tenant } from '../tenants/tenant.entity';
import { TenantsService } from '../tenants/tenants.service';
import type { AddMemberDto, MemberView, UpdateMemberDto } from './dto/member.dto';
import { Member, type MemberRole } from './member.entity';
import { toMemberView } from './member.view';

/**
 * The people of a tenant. Members are not part of the directory entry, so changes are audited
 * but announce no lifecycle event and leave the tenant version alone.
 */
@Injectable()
export class MembersService {
  constructor(
    private readonly em: EntityManager,
    private readonly tenants: TenantsService,
    private readonly audit: AuditService,
  ) {}

  async list(tenantId: string): Promise<MemberView[]> {
    const tenant = await this.tenants.load(tenantId);
    const members = await this.em.find(
      Member,
      { tenant: tenant.id },
      { orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] },
    );
    return members.map(toMemberView);
  }

  async add(tenantId: string, dto: AddMemberDto): Promise<MemberView> {
    const tenant = await this.mutableTenant(tenantId);
    const member = await this.createMember(tenant, dto.email, dto.role);
    this.audit.record({
      tenantId: tenant.id,
      action: 'member.added',
      targetType: 'member',
      targetId: member.id,
      after: toMemberView(member),
    });
    return toMemberView(member);
  }

  async updateRole(tenantId: string, memberId: string, dto: UpdateMemberDto): Promise<MemberView> {
    const tenant = await this.mutableTenant(tenantId);
    const member = await this.find(tenant, memberId);
    if (member.role === dto.role) return toMemberView(member);
    const before = toMemberView(member);
    member.role = dto.role;
    this.audit.record({
      tenantId: tenant.id,
      action: 'member.role_changed',
      targetType: 'member',
      targetId: member.id,
      before,
      after: toMemberView(member),
    });
    return toMemberView(member);
  }

  async remove(tenantId: string, memberId: string): Promise<void> {
    const tenant = await this.mutableTenant(tenantId);
    const member = await this.find(tenant, memberId);
    this.em.remove(member);
    this.audit.record({
      tenantId: tenant.id,
      action: 'member.removed',
      targetType: 'member',
      targetId: member.id,
      before: toMemberView(member),
    });
  }

  /** Adds a member (directly or from an invitation); 409 when the email is already one. */
  async createMember(tenant: Tenant, email: string, role: MemberRole): Promise<Member> {
    const normalized = email.toLowerCase();
    await this.assertNotMember(tenant, normalized);
    const member = this.em.create(Member, { tenant, email: normalized, role });
    try {
      await this.em.flush();
    } catch (error) {
      // A concurrent add of the same email can win between check and flush.
      if (error instanceof UniqueConstraintViolationException) throw memberExists(normalized);
      throw error;
    }
    return member;
  }

  async assertNotMember(tenant: Tenant, email: string): Promise<void> {
    if (await this.em.count(Member, { tenant: tenant.id, email: email.toLowerCase() }))
      throw memberExists(email.toLowerCase());
  }

  /** Loads the tenant for a change: 404 when absent, 409 when deleted. */
  async mutableTenant(id: string): Promise<Tenant> {
    const tenant = await this.tenants.load(id);
    if (tenant.status === 'deleted')
      throw new ConflictError('TENANT_DELETED', 'The tenant is deleted');
    return tenant;
  }

  private async find(tenant: Tenant, memberId: string): Promise<Member> {
    const member = isUUID(memberId)
      ? await this.em.findOne(Member, { id: memberId, tenant: tenant.id })
      : null;
    if (!member) throw new NotFoundError('Member', { member: memberId });
    return member;
  }
}

function memberExists(email: string): ConflictError {
  return new ConflictError('MEMBER_EXISTS', `${email} is already a member of the tenant`, {
    email,
  });
}
