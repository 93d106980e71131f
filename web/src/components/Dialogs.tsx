import { useEffect, useRef, type KeyboardEvent, type ReactNode } from 'react';

/** Keep Tab inside a modal and close it with Escape; focus its first control on open and give focus back on close. */
function useModal(onClose: () => void) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const opener = document.activeElement as HTMLElement | null;
    const first = box.current?.querySelector<HTMLElement>('input, button:not([disabled]), [tabindex="0"]');
    first?.focus();
    return () => opener?.focus?.();
  }, []);
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    if (e.key === 'Escape') {
      e.stopPropagation();
      onClose();
      return;
    }
    if (e.key !== 'Tab' || !box.current) return;
    const items = [...box.current.querySelectorAll<HTMLElement>('input:not([disabled]), button:not([disabled]), a[href], [tabindex="0"]')];
    const first = items[0];
    const last = items[items.length - 1];
    if (!first || !last) return;
    if (e.shiftKey && document.activeElement === first) {
      e.preventDefault();
      last.focus();
    } else if (!e.shiftKey && document.activeElement === last) {
      e.preventDefault();
      first.focus();
    }
  };
  return { box, onKeyDown };
}

/** A pane that slides in from the right, over a dimmed page. */
export function SlidePane({ title, onClose, children }: { title: string; onClose: () => void; children: ReactNode }) {
  const { box, onKeyDown } = useModal(onClose);
  return (
    <div className="backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div className="pane" role="dialog" aria-modal="true" aria-labelledby="pane-title" ref={box} onKeyDown={onKeyDown}>
        <h2 id="pane-title">{title}</h2>
        {children}
      </div>
    </div>
  );
}

/** "Are you sure?" with the destructive choice named. */
export function ConfirmDialog({
  title,
  children,
  confirmLabel,
  busy,
  onConfirm,
  onCancel,
}: {
  title: string;
  children: ReactNode;
  confirmLabel: string;
  busy: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const { box, onKeyDown } = useModal(onCancel);
  return (
    <div className="backdrop center">
      <div className="dialog" role="alertdialog" aria-modal="true" aria-labelledby="confirm-title" aria-describedby="confirm-body" ref={box} onKeyDown={onKeyDown}>
        <h2 id="confirm-title">{title}</h2>
        <div id="confirm-body">{children}</div>
        <div className="actions">
          <button type="button" className="secondary" onClick={onCancel} disabled={busy}>
            Cancel
          </button>
          <button type="button" className="danger" onClick={onConfirm} disabled={busy} aria-busy={busy || undefined}>
            {confirmLabel}
          </button>
        </div>
      </div>
    </div>
  );
}
