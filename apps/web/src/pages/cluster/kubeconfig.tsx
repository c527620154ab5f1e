import { useState } from 'react';
import { errorMessage } from '../../errors.ts';
import { useTRPCClient } from '../../trpc.ts';
import type { ClusterDetail } from './types.ts';

/** Downloads the admin kubeconfig; it is fetched on demand and never kept in the query cache. */
export function KubeconfigButton({ cluster }: { cluster: ClusterDetail }) {
  const client = useTRPCClient();
  const [error, setError] = useState('');
  const [pending, setPending] = useState(false);

  async function download() {
    setPending(true);
    setError('');
    try {
      const { kubeconfig } = await client.cluster.kubeconfig.query({ clusterId: cluster.id });
      const url = URL.createObjectURL(new Blob([kubeconfig], { type: 'application/yaml' }));
      const link = document.createElement('a');
      link.href = url;
      link.download = `${cluster.name}.kubeconfig.yaml`;
      link.click();
      URL.revokeObjectURL(url);
    } catch (caught) {
      setError(errorMessage(caught));
    } finally {
      setPending(false);
    }
  }

  return (
    <div className="actions" style={{ marginTop: '1rem' }}>
      <button type="button" className="button" onClick={download} disabled={pending}>
        {pending ? 'Preparing…' : 'Download kubeconfig'}
      </button>
      {error && (
        <span className="field-error" role="alert">
          {error}
        </span>
      )}
    </div>
  );
}
