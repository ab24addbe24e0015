import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { useTitle } from '../lib/hooks';

let firstPage = true;

/**
 * A page's heading and body. After in-app navigation focus moves to the heading, so keyboard
 * and screen-reader users start at the new page's top, as on a full page load.
 */
export function Page({
  title,
  actions,
  children,
  narrow,
}: {
  title: string;
  actions?: ComponentChildren;
  children: ComponentChildren;
  narrow?: boolean;
}) {
  useTitle(title);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (firstPage) firstPage = false;
    else heading.current?.focus({ preventScroll: false });
  }, []);
  return (
    <div class={`page${narrow ? ' page-narrow' : ''}`}>
      <div class="page-head">
        <h1 ref={heading} tabIndex={-1}>
          {title}
        </h1>
        {actions && <div class="page-actions">{actions}</div>}
      </div>
      {children}
    </div>
  );
}

/** A wide table that scrolls sideways on a phone instead of overflowing the page. */
export function TableScroll({ label, children }: { label: string; children: ComponentChildren }) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard
    <section class="table-scroll" aria-label={label} tabIndex={0}>
      {children}
    </section>
  );
}

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return <output class="muted loading">{label}</output>;
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <div class="empty">{children}</div>;
}
