import { MEMBER_ROLES, type MemberRole } from '../store/index.js';

export { MEMBER_ROLES, type MemberRole };

const RANK: Readonly<Record<MemberRole, number>> = { member: 1, admin: 2, owner: 3 };

/** True when `held` is at least `needed` (owner ⊃ admin ⊃ member). */
export function isRoleAtLeast(held: MemberRole, needed: MemberRole): boolean {
  return RANK[held] >= RANK[needed];
}
