import type { ComponentChildren } from "preact";

/** An error or an empty result, said plainly where the data would be. */
export function Problem({ title, children }: { title: string; children?: ComponentChildren }) {
  return (
    <div class="problem" role="alert">
      <strong>{title}</strong>
      {children === undefined ? null : <div>{children}</div>}
    </div>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return (
    <p class="empty" data-testid="empty">
      {children}
    </p>
  );
}
