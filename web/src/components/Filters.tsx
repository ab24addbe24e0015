import { SelectField } from './Field';

// The list filters the Leads and Deals pages share: a tag, and who a record is assigned to
// (kept in the URL as `assignment`, sent to the API as `users`, `assigned` or `unassigned`).

/** The API query for an `assignment` filter value ('' | 'me' | 'assigned' | 'unassigned'). */
export function assignmentQuery(
  assignment: string,
  userId: number,
): { users?: string; assigned?: '1'; unassigned?: '1' } {
  if (assignment === 'me') return { users: String(userId) };
  if (assignment === 'assigned') return { assigned: '1' };
  if (assignment === 'unassigned') return { unassigned: '1' };
  return {};
}

export function AssignmentFilter({ value, onChange }: { value: string; onChange: (value: string) => void }) {
  return (
    <SelectField label="Assigned" value={value} onChange={(e) => onChange(e.currentTarget.value)}>
      <option value="">Anyone</option>
      <option value="me">Assigned to me</option>
      <option value="assigned">Assigned to someone</option>
      <option value="unassigned">Unassigned</option>
    </SelectField>
  );
}

export function TagFilter({
  tags,
  value,
  onChange,
}: {
  tags: readonly { id: number; label: string }[] | undefined;
  value: string;
  onChange: (value: string) => void;
}) {
  return (
    <SelectField label="Tag" value={value} onChange={(e) => onChange(e.currentTarget.value)}>
      <option value="">Any tag</option>
      {tags?.map((t) => (
        <option key={t.id} value={String(t.id)}>
          {t.label}
        </option>
      ))}
    </SelectField>
  );
}
