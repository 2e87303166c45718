import type { ComponentChildren } from "preact";

/** The row of filters above a list; its fields act as they change, so the form is never submitted. */
export function FilterForm({ label, children }: { label: string; children: ComponentChildren }) {
  return (
    <form
      class="filters"
      role="search"
      aria-label={label}
      onSubmit={(event) => {
        event.preventDefault();
      }}
    >
      {children}
    </form>
  );
}
