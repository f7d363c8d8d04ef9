import type { InvitationStatus, InvitationView, MemberView } from './dto/member.dto';
import type { Invitation } from './invitation.entity';
import type { Member } from './member.entity';

const iso = (date?: Date | null) => (date ? date.toISOString() : null);

export function toMemberView(member: Member): MemberView {
  return {
    id: member.id,
    tenantId: member.tenant.id,
    email: member.email,
    role: member.role,
    createdAt: member.createdAt.toISOString(),
  };
}

export function invitationStatus(invitation: Invitation, now = new Date()): InvitationStatus {
  if (invitation.revokedAt) return 'revoked';
  if (invitation.acceptedAt) return 'accepted';
  return invitation.expiresAt.getTime() <= now.getTime() ? 'expired' : 'pending';
}

/** The API shape of an invitation: never the token, never its hash. */
export function toInvitationView(invitation: Invitation): InvitationView {
  return {
    id: invitation.id,
    tenantId: invitation.tenant.id,
    email: invitation.email,
    role: invitation.role,
    status: invitationStatus(invitation),
    expiresAt: invitation.expiresAt.toISOString(),
    acceptedAt: iso(invitation.acceptedAt),
    revokedAt: iso(invitation.revokedAt),
    createdAt: invitation.createdAt.toISOString(),
  };
}
