import { LbeError } from '../errors/index.js';
import type {
  Member,
  MemberRole,
  NewOrganization,
  Organization,
  OrganizationTier,
  Store,
} from '../store/index.js';

export interface OrganizationPatch {
  readonly name?: string | undefined;
  readonly tier?: OrganizationTier | undefined;
  readonly buildQuota?: number | null | undefined;
  readonly storageQuotaBytes?: number | undefined;
}

/**
 * Organizations and their members. Contracts: every member method is scoped by `organizationId`
 * (another organization's member is LBE_ORG_MEMBER_NOT_FOUND); a duplicate slug or member email is
 * LBE_ORG_CONFLICT; the last owner can be neither removed nor demoted (LBE_ORG_LAST_OWNER).
 * Who may call what is decided by the routes (roles, operator key).
 */
export class OrganizationService {
  constructor(private readonly store: Store) {}

  async create(input: NewOrganization, ownerEmail?: string): Promise<Organization> {
    if ((await this.store.organizations.getBySlug(input.slug)) !== undefined) {
      throw new LbeError('LBE_ORG_CONFLICT', `An organization with slug ${input.slug} exists`);
    }
    let org: Organization;
    try {
      org = await this.store.organizations.create(input);
    } catch (cause) {
      if ((await this.store.organizations.getBySlug(input.slug)) !== undefined) {
        throw new LbeError('LBE_ORG_CONFLICT', `An organization with slug ${input.slug} exists`, { cause });
      }
      throw cause;
    }
    if (ownerEmail !== undefined) await this.addMember(org.id, ownerEmail, 'owner');
    return org;
  }

  list(): Promise<readonly Organization[]> {
    return this.store.organizations.list();
  }

  async get(id: string): Promise<Organization> {
    const org = await this.store.organizations.get(id);
    if (org === undefined) throw new LbeError('LBE_ORG_NOT_FOUND');
    return org;
  }

  async update(id: string, patch: OrganizationPatch): Promise<Organization> {
    const defined = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
    const org =
      Object.keys(defined).length === 0
        ? await this.store.organizations.get(id)
        : await this.store.organizations.update(id, defined);
    if (org === undefined) throw new LbeError('LBE_ORG_NOT_FOUND');
    return org;
  }

  async listMembers(organizationId: string): Promise<readonly Member[]> {
    await this.get(organizationId);
    return this.store.members.list(organizationId);
  }

  async addMember(organizationId: string, email: string, role: MemberRole): Promise<Member> {
    await this.get(organizationId);
    const conflict = () => new LbeError('LBE_ORG_CONFLICT', `${email} is already a member`);
    if ((await this.store.members.getByEmail(organizationId, email)) !== undefined) throw conflict();
    try {
      return await this.store.members.add(organizationId, { email, role });
    } catch (cause) {
      if ((await this.store.members.getByEmail(organizationId, email)) !== undefined) throw conflict();
      throw cause;
    }
  }

  async getMember(organizationId: string, memberId: string): Promise<Member> {
    const member = await this.store.members.get(organizationId, memberId);
    if (member === undefined) throw new LbeError('LBE_ORG_MEMBER_NOT_FOUND');
    return member;
  }

  async changeRole(organizationId: string, memberId: string, role: MemberRole): Promise<Member> {
    const member = await this.getMember(organizationId, memberId);
    if (member.role === 'owner' && role !== 'owner') await this.assertNotLastOwner(organizationId);
    const updated = await this.store.members.updateRole(organizationId, memberId, role);
    if (updated === undefined) throw new LbeError('LBE_ORG_MEMBER_NOT_FOUND');
    return updated;
  }

  async removeMember(organizationId: string, memberId: string): Promise<void> {
    const member = await this.getMember(organizationId, memberId);
    if (member.role === 'owner') await this.assertNotLastOwner(organizationId);
    if (!(await this.store.members.remove(organizationId, memberId))) {
      throw new LbeError('LBE_ORG_MEMBER_NOT_FOUND');
    }
  }

  private async assertNotLastOwner(organizationId: string): Promise<void> {
    const owners = (await this.store.members.list(organizationId)).filter((m) => m.role === 'owner');
    if (owners.length <= 1) throw new LbeError('LBE_ORG_LAST_OWNER');
  }
}
