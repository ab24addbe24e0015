import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src/core/errors.js';
import { leadNoteRules } from '../../src/modules/leads/notes/lead-notes.subject.js';
import type * as notes from '../../src/modules/notes/index.js';
import type { NoteAuthor } from '../../src/modules/notes/index.js';

const { create, update, remove } = leadNoteRules;

// The note commands' rules, without a database: facts in, a plan or the API's error out.

const actor = { companyId: 3, keyId: 11, userId: 7 };
const author: NoteAuthor = {
  id: 7,
  uuid: 'u-7',
  email: 'ann@acme.example',
  first_name: 'Ann',
  last_name: null,
};
const doc = (text: string) => ({
  type: 'doc',
  content: [{ type: 'paragraph', content: [{ type: 'text', text }] }],
});
const stored = { id: 5, document: doc('Before'), updated_at: new Date('2026-01-02T03:04:05.678Z'), author };

function refusal(run: () => unknown): ApiError {
  try {
    run();
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error('no error thrown');
}

describe('lead note create rules', () => {
  const facts: notes.CreateFacts<'lead'> = { leadUuid: 'lead-uuid', author, activeMentions: [8, 9] };

  it('plans the note and its event: mentions once each, the document as plain text', () => {
    const plan = create.rules(facts, actor, 42, { document: doc('Call back'), mentions: [9, 8, 9] });
    expect(plan).toEqual({
      leadId: 42,
      companyId: 3,
      authorId: 7,
      author,
      document: doc('Call back'),
      attachments: [],
      mentions: [9, 8],
      event: {
        type: 'leads.notes_create',
        companyId: 3,
        apiKeyId: 11,
        actorUserId: 7,
        payload: {
          document: 'Call back',
          user_uuid: 'u-7',
          user_email: 'ann@acme.example',
          user_first_name: 'Ann',
          user_last_name: null,
          lead_uuid: 'lead-uuid',
        },
      },
    });
  });

  it('a key without a user writes an authorless note', () => {
    const plan = create.rules({ ...facts, author: null }, { ...actor, userId: null }, 42, {
      document: doc('x'),
    });
    expect(plan.authorId).toBeNull();
    expect(plan.event.payload).toMatchObject({ user_uuid: null, user_email: null });
    expect(plan.event.actorUserId).toBeNull();
  });

  it('404 without the live lead, before looking at mentions', () => {
    const err = refusal(() =>
      create.rules({ ...facts, leadUuid: null }, actor, 42, { document: doc('x'), mentions: [1] }),
    );
    expect(err.toBody()).toEqual({ error: 'Lead not found or not accessible', code: 'not_found' });
  });

  it('one 400 naming every mention that is not an active user, at its index', () => {
    const err = refusal(() => create.rules(facts, actor, 42, { document: doc('x'), mentions: [8, 1, 9, 2] }));
    expect(err.status).toBe(400);
    expect(err.details).toEqual([
      { path: 'mentions[1]', message: 'no active user with id 1 in your company' },
      { path: 'mentions[3]', message: 'no active user with id 2 in your company' },
    ]);
  });
});

describe('lead note update rules', () => {
  const facts: notes.UpdateFacts<'lead'> = { leadUuid: 'lead-uuid', note: stored, activeMentions: [8] };

  it('changes only what was sent; the event carries the new document', () => {
    const plan = update.rules(facts, actor, 42, { document: doc('After'), mentions: [8, 8] });
    expect(plan).toEqual({
      companyId: 3,
      leadId: 42,
      noteId: 5,
      changes: { document: doc('After'), mentions: [8] },
      event: expect.objectContaining({ type: 'leads.notes_update' }),
    });
    expect('event' in plan && plan.event.payload).toMatchObject({ document: 'After', user_uuid: 'u-7' });
  });

  it('without a new document the event carries the stored one, and its author (not the caller)', () => {
    const plan = update.rules(facts, { ...actor, userId: 99 }, 42, { attachments: [] });
    expect('event' in plan && plan.event.payload).toMatchObject({ document: 'Before', user_uuid: 'u-7' });
    expect('event' in plan && plan.event.actorUserId).toBe(99);
  });

  it('an empty body changes nothing: the note as it is, no write, no event', () => {
    expect(update.rules(facts, actor, 42, {})).toEqual({
      unchanged: { id: 5, updated_at: stored.updated_at },
    });
  });

  it('404 for the lead first, then for the note, then 400 for mentions', () => {
    expect(refusal(() => update.rules({ ...facts, leadUuid: null, note: null }, actor, 42, {})).message).toBe(
      'Lead not found or not accessible',
    );
    expect(refusal(() => update.rules({ ...facts, note: null }, actor, 42, { mentions: [1] })).message).toBe(
      'Note not found',
    );
    expect(refusal(() => update.rules(facts, actor, 42, { mentions: [1] })).details).toEqual([
      { path: 'mentions[0]', message: 'no active user with id 1 in your company' },
    ]);
  });
});

describe('lead note delete rules', () => {
  const facts: notes.DeleteFacts<'lead'> = { leadUuid: 'lead-uuid', note: stored };

  it('records the note as it was', () => {
    expect(remove.rules(facts, actor, 42)).toEqual({
      companyId: 3,
      leadId: 42,
      noteId: 5,
      event: expect.objectContaining({
        type: 'leads.notes_delete',
        payload: expect.objectContaining({ document: 'Before', lead_uuid: 'lead-uuid' }),
      }),
    });
  });

  it('404 for the lead, then for the note', () => {
    expect(refusal(() => remove.rules({ leadUuid: null, note: null }, actor, 42)).message).toBe(
      'Lead not found or not accessible',
    );
    expect(refusal(() => remove.rules({ ...facts, note: null }, actor, 42)).status).toBe(404);
  });
});
