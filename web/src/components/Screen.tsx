import type { ReactNode } from 'react';

export function Screen({ title, loading, children, intro }: { title: string; loading?: boolean; intro?: ReactNode; children: ReactNode }) {
  const id = `title-${title.toLowerCase().replace(/[^a-z]+/g, '-')}`;
  return (
    <section aria-labelledby={id} className="screen">
      <h1 id={id}>{title}</h1>
      {intro ? <p className="intro">{intro}</p> : null}
      {loading ? (
        <p role="status" aria-busy="true">
          Loading…
        </p>
      ) : (
        children
      )}
    </section>
  );
}
