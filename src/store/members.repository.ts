import { createId } from '@paralleldrive/cuid2';
import type { Kysely, Selectable } from 'kysely';
import type { Database, MembersTable } from './database.schema.js';
import type { Clock } from './store.clock.js';

export const MEMBER_ROLES = ['owner', 'admin', 'member'] as const;
export type MemberRole = (typeof MEMBER_ROLES)[number];

export interface Member {
  readonly id: string;
  readonly organizationId: string;
  readonly email: string;
  readonly role: MemberRole;
  readonly createdAt: number;
}

function toMember(row: Selectable<MembersTable>): Member {
  return { ...row, role: row.role as MemberRole };
}

/** Members of one organization; every method takes the tenant. Emails are stored lower-cased. */
export class MembersRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
  ) {}

  /** Rejects a second member with the same email in the same organization (unique violation). */
  async add(organizationId: string, input: { email: string; role: MemberRole }): Promise<Member> {
    const row = await this.db
      .insertInto('members')
      .values({
        id: createId(),
        organizationId,
        email: input.email.toLowerCase(),
        role: input.role,
        createdAt: this.clock(),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toMember(row);
  }

  async list(organizationId: string): Promise<readonly Member[]> {
    const rows = await this.db
      .selectFrom('members')
      .selectAll()
      .where('organizationId', '=', organizationId)
      .orderBy('createdAt')
      .orderBy('id')
      .execute();
    return rows.map(toMember);
  }

  async get(organizationId: string, id: string): Promise<Member | undefined> {
    const row = await this.db
      .selectFrom('members')
      .selectAll()
      .where('organizationId', '=', organizationId)
      .where('id', '=', id)
      .executeTakeFirst();
    return row === undefined ? undefined : toMember(row);
  }

  /** Returns the updated member, or undefined when no such member exists in this organization. */
  async updateRole(organizationId: string, id: string, role: MemberRole): Promise<Member | undefined> {
    const row = await this.db
      .updateTable('members')
      .set({ role })
      .where('organizationId', '=', organizationId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    return row === undefined ? undefined : toMember(row);
  }

  async getByEmail(organizationId: string, email: string): Promise<Member | undefined> {
    const row = await this.db
      .selectFrom('members')
      .selectAll()
      .where('organizationId', '=', organizationId)
      .where('email', '=', email.toLowerCase())
      .executeTakeFirst();
    return row === undefined ? undefined : toMember(row);
  }

  /** Returns false when no such member exists in this organization. */
  async remove(organizationId: string, id: string): Promise<boolean> {
    const res = await this.db
      .deleteFrom('members')
      .where('organizationId', '=', organizationId)
      .where('id', '=', id)
      .executeTakeFirst();
    return res.numDeletedRows > 0n;
  }
}
