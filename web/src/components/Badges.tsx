import type { LeadStatus } from '../lib/leads';
import { STATUS_LABELS } from '../lib/leads';

export function StatusBadge({ status }: { status: LeadStatus }) {
  return <span class={`badge badge-${status}`}>{STATUS_LABELS[status]}</span>;
}

/** A tag in its own colours (as the company chose them). */
export function TagChip({ tag }: { tag: { label: string; background_color: string; text_color: string } }) {
  return (
    <span
      class="tag"
      ref={(el) => {
        if (el) paint(el, tag);
      }}
    >
      {tag.label}
    </span>
  );
}

// Colours come from data, so they are set through the CSSOM (allowed by the page's
// Content-Security-Policy), never as a style attribute in markup.
function paint(el: HTMLElement, tag: { background_color: string; text_color: string }) {
  el.style.backgroundColor = tag.background_color;
  el.style.color = tag.text_color;
}

export function Pill({
  children,
  tone = 'neutral',
}: {
  children: string;
  tone?: 'neutral' | 'good' | 'warn' | 'bad';
}) {
  return <span class={`pill pill-${tone}`}>{children}</span>;
}
