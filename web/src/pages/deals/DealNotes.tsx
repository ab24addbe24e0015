import { useState } from 'preact/hooks';
import { api, messageOf, ok } from '../../api/client';
import { Confirm } from '../../components/Dialog';
import { FormError, TextAreaField } from '../../components/Field';
import { Loading } from '../../components/Page';
import { useForm } from '../../lib/form';
import { formatDateTime, formatRelative, personName } from '../../lib/format';
import { useLoad } from '../../lib/hooks';
import { noteDocument, noteParagraphs } from '../../lib/notes';

/** A deal's notes (your company's side): list, add, edit, delete, as on a lead. */
export function DealNotes({ dealId }: { dealId: number }) {
  const notes = useLoad(
    () => ok(api.GET('/v1/deals/{id}/notes', { params: { path: { id: dealId }, query: { pageSize: 50 } } })),
    [dealId],
  );
  const addForm = useForm();
  const editForm = useForm();
  const [editing, setEditing] = useState<number | undefined>();
  const [deleting, setDeleting] = useState<number | undefined>();
  const [deleteError, setDeleteError] = useState<string | undefined>();

  const add = (event: Event) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const text = String(new FormData(form).get('note') ?? '').trim();
    void addForm.run(async () => {
      await ok(
        api.POST('/v1/deals/{id}/notes', {
          params: { path: { id: dealId } },
          body: { document: noteDocument(text) },
        }),
      );
      form.reset();
      notes.reload();
    });
  };
  const save = (event: Event, noteId: number) => {
    event.preventDefault();
    const text = String(new FormData(event.currentTarget as HTMLFormElement).get('note') ?? '').trim();
    void editForm.run(async () => {
      await ok(
        api.PATCH('/v1/deals/{id}/notes/{noteId}', {
          params: { path: { id: dealId, noteId } },
          body: { document: noteDocument(text) },
        }),
      );
      setEditing(undefined);
      notes.reload();
    });
  };
  const remove = async (noteId: number) => {
    setDeleteError(undefined);
    try {
      await ok(api.DELETE('/v1/deals/{id}/notes/{noteId}', { params: { path: { id: dealId, noteId } } }));
      setDeleting(undefined);
      notes.reload();
    } catch (err) {
      setDeleteError(messageOf(err));
    }
  };

  const list = notes.data?.data ?? [];
  return (
    <section class="card" aria-labelledby="deal-notes">
      <h2 id="deal-notes">Notes</h2>
      {notes.error && (
        <div class="alert alert-error" role="alert">
          {notes.error}
        </div>
      )}
      {notes.loading && !notes.data && <Loading label="Loading notes…" />}
      {notes.data && list.length === 0 && <p class="muted">No notes yet.</p>}
      <ol class="notes">
        {list.map((note) => {
          const text = noteParagraphs(note.document);
          return (
            <li key={note.id} class="note">
              <div class="note-meta">
                <span class="strong">{note.created_by ? personName(note.created_by) : 'API'}</span>
                <time dateTime={note.created_at} title={formatDateTime(note.created_at)}>
                  {formatRelative(note.created_at)}
                </time>
              </div>
              {editing === note.id ? (
                <form class="stack" onSubmit={(e) => save(e, note.id)}>
                  <FormError message={editForm.error} />
                  <TextAreaField
                    label="Edit the note"
                    name="note"
                    rows={3}
                    required
                    defaultValue={text.join('\n')}
                    error={editForm.fields.document}
                  />
                  <div class="actions actions-start">
                    <button type="submit" class="button button-primary" disabled={editForm.busy}>
                      Save note
                    </button>
                    <button
                      type="button"
                      class="button"
                      onClick={() => {
                        setEditing(undefined);
                        editForm.reset();
                      }}
                    >
                      Cancel
                    </button>
                  </div>
                </form>
              ) : (
                <>
                  {text.map((p, i) => (
                    <p key={i}>{p}</p>
                  ))}
                  <div class="actions actions-start">
                    <button
                      type="button"
                      class="button button-quiet"
                      aria-label={`Edit the note of ${formatDateTime(note.created_at)}`}
                      onClick={() => {
                        editForm.reset();
                        setEditing(note.id);
                      }}
                    >
                      Edit
                    </button>
                    <button
                      type="button"
                      class="button button-danger-quiet"
                      aria-label={`Delete the note of ${formatDateTime(note.created_at)}`}
                      onClick={() => setDeleting(note.id)}
                    >
                      Delete
                    </button>
                  </div>
                </>
              )}
            </li>
          );
        })}
      </ol>
      <form class="stack" onSubmit={add}>
        <FormError message={addForm.error} />
        <TextAreaField label="Add a note" name="note" rows={3} required error={addForm.fields.document} />
        <div>
          <button type="submit" class="button button-primary" disabled={addForm.busy}>
            Add note
          </button>
        </div>
      </form>
      {deleting !== undefined && (
        <Confirm
          title="Delete this note?"
          action="Delete note"
          error={deleteError}
          onCancel={() => {
            setDeleting(undefined);
            setDeleteError(undefined);
          }}
          onConfirm={() => void remove(deleting)}
        >
          <p>The note is removed from this deal for your company.</p>
        </Confirm>
      )}
    </section>
  );
}
