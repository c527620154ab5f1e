import { useState } from 'react';

/** A secret the API shows exactly once, with a copy button and a warning saying so. */
export function OnceSecret({ label, value }: { label: string; value: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <div className="notice notice-success" role="status">
      <div style={{ flex: '1 1 100%' }}>
        <p>
          <strong>{label}</strong> — copy it now: it will not be shown again.
        </p>
        <div className="secret">
          <code data-testid="once-secret">{value}</code>
          <button
            type="button"
            className="button button-small"
            onClick={() =>
              navigator.clipboard?.writeText(value).then(
                () => setCopied(true),
                () => setCopied(false),
              )
            }
          >
            {copied ? 'Copied' : 'Copy'}
          </button>
        </div>
      </div>
    </div>
  );
}
