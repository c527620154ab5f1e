import { useEffect, useRef, useState } from 'react';

/** A destructive action that asks once more in place (no modal to trap focus in). */
export function ConfirmButton({
  label,
  confirmLabel,
  onConfirm,
  pending,
}: {
  label: string;
  confirmLabel: string;
  onConfirm: () => void;
  pending?: boolean;
}) {
  const [asking, setAsking] = useState(false);
  const confirmRef = useRef<HTMLButtonElement>(null);
  // The question replaced the button the user pressed: keep their place.
  useEffect(() => {
    if (asking) confirmRef.current?.focus();
  }, [asking]);
  if (!asking) {
    return (
      <button
        type="button"
        className="button button-small button-danger"
        onClick={() => setAsking(true)}
      >
        {label}
      </button>
    );
  }
  return (
    <span className="actions">
      <button
        type="button"
        className="button button-small button-danger"
        disabled={pending}
        onClick={onConfirm}
        ref={confirmRef}
      >
        {pending ? 'Working…' : confirmLabel}
      </button>
      <button type="button" className="button button-small" onClick={() => setAsking(false)}>
        Cancel
      </button>
    </span>
  );
}
