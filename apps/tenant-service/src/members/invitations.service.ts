import { LockMode } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { TenantbusError } from '@tenantbus/tenant-context';
import { isUUID } from 'class-validator';
import { createHash, randomBytes } from 'node:crypto';
import { AuditService } from '../audit/audit.service';
import { ConflictError, NotFoundError } from '../common/registry.errors';
import { TenantsService } from '../tenants/tenants.service';
import type {
  CreatedInvitation,
  CreateInvitationDto,
  InvitationView,
  MemberView,
} from './dto/member.dto';
import { Invitation } from './invitation.entity';
import { MembersService } from './members.service';
import { toInvitationView, toMemberView } from './member.view';

const DEFAULT_TTL_HOURS = 168;
const HOUR_MS = 3_600_000;

/**
 * Single-use, expiring invitations. The token is shown once, in the create response; only its
 * SHA-256 is stored (the token is 256 random bits, so a slow hash buys nothing).
 */
@Injectable()
export class InvitationsService {
  constructor(
    private readonly em: EntityManager,
    private readonly tenants: TenantsService,
    private readonly members: MembersService,
    private readonly audit: AuditService,
  ) {}

  async list(tenantId: string): Promise<InvitationView[]> {
    const tenant = await this.tenants.load(tenantId);
    const invitations = await this.em.find(
      Invitation,
      { tenant: tenant.id },
      { orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] },
    );
    return invitations.map(toInvitationView);
  }

  async create(tenantId: string, dto: CreateInvitationDto): Promise<CreatedInvitation> {
    const tenant = await this.members.mutableTenant(tenantId);
    const email = dto.email.toLowerCase();
    await this.members.assertNotMember(tenant, email);
    const token = randomBytes(32).toString('base64url');
    const invitation = this.em.create(Invitation, {
      tenant,
      email,
      role: dto.role,
      tokenHash: hashToken(token),
      expiresAt: new Date(Date.now() + (dto.ttlHours ?? DEFAULT_TTL_HOURS) * HOUR_MS),
    });
    this.audit.record({
      tenantId: tenant.id,
      action: 'invitation.created',
      targetType: 'invitation',
      targetId: invitation.id,
      after: toInvitationView(invitation),
    });
    return { ...toInvitationView(invitation), token };
  }

  async revoke(tenantId: string, invitationId: string): Promise<InvitationView> {
    const tenant = await this.members.mutableTenant(tenantId);
    const invitation = isUUID(invitationId)
      ? await this.em.findOne(Invitation, { id: invitationId, tenant: tenant.id })
      : null;
    if (!invitation) throw new NotFoundError('Invitation', { invitation: invitationId });
    assertOpen(invitation);
    const before = toInvitationView(invitation);
    invitation.revokedAt = new Date();
    this.audit.record({
      tenantId: tenant.id,
      action: 'invitation.revoked',
      targetType: 'invitation',
      targetId: invitation.id,
      before,
      after: toInvitationView(invitation),
    });
    return toInvitationView(invitation);
  }

  /**
   * Turns the invitation into a member. The row is locked, so two concurrent accepts of one token
   * serialise and the second sees it used.
   */
  async accept(token: string): Promise<MemberView> {
    const invitation = await this.em.findOne(
      Invitation,
      { tokenHash: hashToken(token) },
      { lockMode: LockMode.PESSIMISTIC_WRITE },
    );
    if (!invitation) throw new NotFoundError('Invitation');
    assertOpen(invitation);
    if (invitation.expiresAt.getTime() <= Date.now())
      throw new TenantbusError('INVITATION_EXPIRED', 'The invitation has expired', 410, {
        expiresAt: invitation.expiresAt.toISOString(),
      });
    const tenant = await this.members.mutableTenant(invitation.tenant.id);
    const before = toInvitationView(invitation);
    const member = await this.members.createMember(tenant, invitation.email, invitation.role);
    invitation.acceptedAt = new Date();
    this.audit.record({
      tenantId: tenant.id,
      action: 'invitation.accepted',
      targetType: 'invitation',
      targetId: invitation.id,
      before,
      after: { ...toInvitationView(invitation), memberId: member.id },
    });
    return toMemberView(member);
  }
}

function assertOpen(invitation: Invitation): void {
  if (invitation.revokedAt)
    throw new ConflictError('INVITATION_REVOKED', 'The invitation was revoked');
  if (invitation.acceptedAt)
    throw new ConflictError('INVITATION_USED', 'The invitation was already accepted');
}

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
