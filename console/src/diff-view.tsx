/**
 * A line diff between two texts (jsdiff), as added/removed/kept lines with +/− markers. Long
 * lines wrap inside the box (readable at any width); the box scrolls vertically and is focusable.
 */
import { diffLines } from 'diff';

export function DiffView({ before, after, label }: { before: string; after: string; label: string }) {
  const parts = diffLines(before, after);
  let added = 0;
  let removed = 0;
  for (const p of parts) {
    if (p.added) added += p.count ?? 0;
    if (p.removed) removed += p.count ?? 0;
  }
  return (
    <figure class="diff-figure">
      <figcaption class="muted">
        {label}: {added} line{added === 1 ? '' : 's'} added, {removed} removed
      </figcaption>
      {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard (WCAG 2.1.1; axe scrollable-region-focusable) */}
      <section class="diff" aria-label={label} tabIndex={0}>
        {parts.flatMap((p, i) =>
          p.value
            .replace(/\n$/, '')
            .split('\n')
            .map((line, j) => (
              <div key={`${i}:${j}`} class={p.added ? 'add' : p.removed ? 'del' : ''}>
                {p.added ? '+ ' : p.removed ? '− ' : '  '}
                {line}
              </div>
            )),
        )}
      </section>
    </figure>
  );
}
