import type { LlmMessage } from './llm.client.js';

/** A stored conversation as the chat service needs it. */
export interface StoredConversation {
  readonly id: string;
  /** Earlier turns, oldest first: the fenced user messages and the assistant's `{message, spec}` JSON. */
  readonly messages: readonly LlmMessage[];
  /** The spec after the last turn (valid or not); null or undefined before the first. */
  readonly spec: unknown;
}

export interface ConversationWrite {
  readonly messages: readonly LlmMessage[];
  readonly spec?: unknown;
  /** Epoch milliseconds after which the conversation reads as missing. */
  readonly expiresAt?: number | null;
}

/**
 * Where conversations live. Contract (tenancy is enforced here, not by callers): every method takes the
 * caller's tenant; `get` and `update` answer undefined for a missing, expired or other tenant's
 * conversation. `update` replaces the messages and, when given, the spec and expiry.
 *
 * The store's `ConversationsRepository` (`store.conversations`, SQLite and PostgreSQL) has exactly this
 * shape and is what production passes in; the interface is declared here so `ai/` does not import `store/`.
 */
export interface ConversationRepository {
  create(tenantId: string, input: ConversationWrite): Promise<StoredConversation>;
  get(tenantId: string, id: string): Promise<StoredConversation | undefined>;
  update(tenantId: string, id: string, patch: ConversationWrite): Promise<StoredConversation | undefined>;
}
