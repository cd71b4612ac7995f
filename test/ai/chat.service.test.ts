import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  ChatService,
  chatSystemPrompt,
  CONVERSATION_MAX_MESSAGES,
  CONVERSATION_TTL_MS,
  OllamaClient,
  type ConversationRepository,
} from '../../src/ai/index.js';
import { LbeError } from '../../src/errors/index.js';
import type { Store } from '../../src/store/index.js';
import { sqliteTarget, type OpenedStore } from '../../src/store/testing/store-targets.fixture.js';
import { json, WEB_SERVER_SPEC } from './ai.fixtures.js';
import { MockLlmServer } from './mock-llm.server.js';

async function rejection(p: Promise<unknown>): Promise<LbeError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof LbeError) return err;
    throw err;
  }
  throw new Error('expected a rejection');
}

const answer = (message: string, spec: unknown): string => json({ message, spec });

/** Conversations in the real store (SQLite file in a temp dir), through the store's own repository. */
describe('ChatService with the real store and a mock LLM server', () => {
  let mock: MockLlmServer;
  let opened: OpenedStore;
  let store: Store;
  let now = Date.UTC(2025, 0, 1);
  let tenantA: string;
  let tenantB: string;
  let chat: ChatService;

  beforeAll(async () => {
    mock = await MockLlmServer.start();
    opened = await sqliteTarget.open({ clock: () => now });
    store = opened.store;
    tenantA = (await store.organizations.create({ name: 'A', slug: 'tenant-a' })).id;
    tenantB = (await store.organizations.create({ name: 'B', slug: 'tenant-b' })).id;
    // The store's repository is the production implementation of the interface.
    const conversations: ConversationRepository = store.conversations;
    chat = new ChatService({
      client: new OllamaClient({ baseUrl: mock.url, model: 'llama3.1', timeoutMs: 5000 }),
      conversations,
      clock: () => now,
    });
  });
  afterAll(async () => {
    await mock.close();
    await opened.cleanup();
  });
  afterEach(() => {
    mock.requests.length = 0;
    expect(mock.pending).toBe(0);
  });

  it('accumulates turns: history goes back to the model and the diff lists what changed', async () => {
    const first = { name: 'web', base: 'debian', packages: ['nginx'] };
    mock.enqueue(answer('A Debian box with nginx.', first));
    const t1 = await chat.chat({ tenantId: tenantA, message: 'a debian web server' });
    expect(t1).toMatchObject({
      message: 'A Debian box with nginx.',
      spec: first,
      isComplete: true,
      errors: [],
    });
    expect(t1.summary).toContain('Packages (1): nginx');
    expect(t1.diff).toEqual([
      { path: 'base', kind: 'added', new: 'debian' },
      { path: 'name', kind: 'added', new: 'web' },
      { path: 'packages', kind: 'added', new: ['nginx'] },
    ]);
    const sent1 = mock.messagesOf(0);
    expect(sent1.map((m) => m.role)).toEqual(['system', 'user']);
    expect(sent1[0]?.content).toBe(chatSystemPrompt());
    expect(mock.requests[0]?.body.format).toMatchObject({ required: ['message', 'spec'] });

    const second = {
      name: 'web',
      base: 'debian',
      packages: ['nginx', 'curl'],
      users: [{ name: 'bob', sudo: true }],
    };
    mock.enqueue(answer('Added curl and bob.', second));
    const t2 = await chat.chat({
      tenantId: tenantA,
      conversationId: t1.conversationId,
      message: 'add curl and a sudo user bob',
    });
    expect(t2.conversationId).toBe(t1.conversationId);
    expect(t2.diff).toEqual([
      { path: 'packages[1]', kind: 'added', new: 'curl' },
      { path: 'users', kind: 'added', new: [{ name: 'bob', sudo: true }] },
    ]);
    const sent2 = mock.messagesOf(1);
    expect(sent2.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user']);
    expect(sent2[1]?.content).toContain('a debian web server');
    expect(JSON.parse(sent2[2]?.content ?? '')).toEqual({ message: 'A Debian box with nginx.', spec: first });
    expect(sent2[3]?.content).toContain('add curl and a sudo user bob');

    mock.enqueue(
      answer('Bob is no longer sudo; curl removed.', {
        ...second,
        packages: ['nginx'],
        users: [{ name: 'bob', sudo: false }],
      }),
    );
    const t3 = await chat.chat({
      tenantId: tenantA,
      conversationId: t1.conversationId,
      message: 'drop curl, bob without sudo',
    });
    expect(t3.diff).toEqual([
      { path: 'packages[1]', kind: 'removed', old: 'curl' },
      { path: 'users[0].sudo', kind: 'changed', old: true, new: false },
    ]);
    expect(mock.messagesOf(2)).toHaveLength(6);

    const stored = await store.conversations.get(tenantA, t1.conversationId);
    expect(stored?.messages).toHaveLength(6);
    expect(stored?.spec).toEqual(t3.spec);
    expect(stored?.expiresAt).toBe(now + CONVERSATION_TTL_MS);
  });

  it('keeps an invalid spec as an incomplete turn after the repair attempts, with the problems', async () => {
    const bad = { name: 'web', base: 'debian', users: [{ name: 'Bad Name' }] };
    mock.enqueue(answer('Here.', bad), answer('Here.', bad), answer('Still here.', bad));
    const t = await chat.chat({ tenantId: tenantA, message: 'a user called Bad Name' });
    expect(t.isComplete).toBe(false);
    expect(t.message).toBe('Still here.');
    expect(t.errors.map((e) => e.path)).toContain('users[0].name');
    expect(t.summary).toBeUndefined();
    expect(mock.messagesOf(1)[3]?.content).toContain('- spec.users[0].name:');
  });

  it('accepts a bare spec without the {message, spec} envelope', async () => {
    mock.enqueue(json(WEB_SERVER_SPEC));
    const t = await chat.chat({ tenantId: tenantA, message: 'web server' });
    expect(t.isComplete).toBe(true);
    expect(t.spec).toEqual(WEB_SERVER_SPEC);
    expect(t.message).toBe('Here is the updated spec.');
  });

  it('fails with LBE_AI_INVALID_OUTPUT when no answer holds a spec', async () => {
    mock.enqueue('no', '{"message": "hi"}', 'still no');
    const err = await rejection(chat.chat({ tenantId: tenantA, message: 'web server' }));
    expect(err.code).toBe('LBE_AI_INVALID_OUTPUT');
  });

  it("never shows one tenant's conversation to another", async () => {
    mock.enqueue(answer('ok', WEB_SERVER_SPEC));
    const t = await chat.chat({ tenantId: tenantA, message: 'web server' });
    const err = await rejection(
      chat.chat({ tenantId: tenantB, conversationId: t.conversationId, message: 'hi' }),
    );
    expect(err.code).toBe('LBE_AI_CONVERSATION_NOT_FOUND');
    expect(err.status).toBe(404);
    const unknown = await rejection(chat.chat({ tenantId: tenantA, conversationId: 'nope', message: 'hi' }));
    expect(unknown.code).toBe('LBE_AI_CONVERSATION_NOT_FOUND');
    expect(mock.requests).toHaveLength(1);
  });

  it('expires a conversation 24 h after its last turn', async () => {
    mock.enqueue(answer('ok', WEB_SERVER_SPEC));
    const t = await chat.chat({ tenantId: tenantA, message: 'web server' });
    now += CONVERSATION_TTL_MS + 1;
    const err = await rejection(
      chat.chat({ tenantId: tenantA, conversationId: t.conversationId, message: 'more' }),
    );
    expect(err.code).toBe('LBE_AI_CONVERSATION_NOT_FOUND');
  });

  it(`keeps only the last ${CONVERSATION_MAX_MESSAGES} messages`, async () => {
    mock.enqueue(answer('turn 0', WEB_SERVER_SPEC));
    const { conversationId } = await chat.chat({ tenantId: tenantA, message: 'turn 0' });
    for (let i = 1; i < 12; i++) {
      mock.enqueue(answer(`turn ${i}`, WEB_SERVER_SPEC));
      await chat.chat({ tenantId: tenantA, conversationId, message: `turn ${i}` });
    }
    const stored = await store.conversations.get(tenantA, conversationId);
    expect(stored?.messages).toHaveLength(CONVERSATION_MAX_MESSAGES);
    expect(stored?.messages[0]?.role).toBe('user');
    expect(stored?.messages[0]?.content).toContain('turn 2');
    // The last request carried the system prompt, the 20 stored messages and the new user turn.
    expect(mock.messagesOf(11)).toHaveLength(1 + CONVERSATION_MAX_MESSAGES + 1);
  });
});
