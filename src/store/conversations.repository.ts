import { createId } from '@paralleldrive/cuid2';
import type { Kysely, Selectable } from 'kysely';
import type { ConversationsTable, Database } from './database.schema.js';
import { decodeJson, encodeJson } from './json.codec.js';
import type { Clock } from './store.clock.js';

export interface ConversationMessage {
  readonly role: 'system' | 'user' | 'assistant';
  readonly content: string;
}

export interface Conversation {
  readonly id: string;
  readonly organizationId: string;
  readonly messages: readonly ConversationMessage[];
  /** The last valid spec the conversation produced, if any. */
  readonly spec: unknown;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly expiresAt: number | null;
}

function toConversation(row: Selectable<ConversationsTable>): Conversation {
  return {
    ...row,
    messages: decodeJson<ConversationMessage[]>(row.messages, []),
    spec: decodeJson<unknown>(row.spec, null),
  };
}

/** AI conversations, tenant-scoped; an expired conversation reads as missing. */
export class ConversationsRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
  ) {}

  async create(
    organizationId: string,
    input: { messages: readonly ConversationMessage[]; spec?: unknown; expiresAt?: number | null },
  ): Promise<Conversation> {
    const now = this.clock();
    const row = await this.db
      .insertInto('conversations')
      .values({
        id: createId(),
        organizationId,
        messages: encodeJson(input.messages),
        spec: input.spec === undefined ? null : encodeJson(input.spec),
        createdAt: now,
        updatedAt: now,
        expiresAt: input.expiresAt ?? null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toConversation(row);
  }

  async get(organizationId: string, id: string): Promise<Conversation | undefined> {
    const now = this.clock();
    const row = await this.db
      .selectFrom('conversations')
      .selectAll()
      .where('organizationId', '=', organizationId)
      .where('id', '=', id)
      .where((eb) => eb.or([eb('expiresAt', 'is', null), eb('expiresAt', '>', now)]))
      .executeTakeFirst();
    return row === undefined ? undefined : toConversation(row);
  }

  /** Replaces messages (and spec when given); undefined if missing in this tenant. */
  async update(
    organizationId: string,
    id: string,
    patch: { messages: readonly ConversationMessage[]; spec?: unknown; expiresAt?: number | null },
  ): Promise<Conversation | undefined> {
    const row = await this.db
      .updateTable('conversations')
      .set({
        messages: encodeJson(patch.messages),
        updatedAt: this.clock(),
        ...(patch.spec === undefined ? {} : { spec: encodeJson(patch.spec) }),
        ...(patch.expiresAt === undefined ? {} : { expiresAt: patch.expiresAt }),
      })
      .where('organizationId', '=', organizationId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    return row === undefined ? undefined : toConversation(row);
  }

  async delete(organizationId: string, id: string): Promise<boolean> {
    const res = await this.db
      .deleteFrom('conversations')
      .where('organizationId', '=', organizationId)
      .where('id', '=', id)
      .executeTakeFirst();
    return res.numDeletedRows > 0n;
  }

  /** System cleanup: deletes conversations expired at the store's clock; returns how many. */
  async deleteExpired(): Promise<number> {
    const res = await this.db
      .deleteFrom('conversations')
      .where('expiresAt', '<=', this.clock())
      .executeTakeFirst();
    return Number(res.numDeletedRows);
  }
}
