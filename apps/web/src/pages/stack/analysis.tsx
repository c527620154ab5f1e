// What of a compose file carries over, as stack.analyze answers it: every finding that is not a
// plain "ok", with the line it is on and what Flotilla does with it, blockers first.
import { Table } from '../../components/table.tsx';
import type { Analysis, Finding } from './types.ts';

const order = { blocker: 0, dropped: 1, changed: 2, ok: 3 } as const;

export function findingsOf(analysis: Analysis): Finding[] {
  return [...analysis.findings, ...analysis.services.flatMap((service) => service.findings)]
    .filter((finding) => finding.swarm !== 'ok')
    .sort((a, b) => order[a.swarm] - order[b.swarm] || (a.line ?? 0) - (b.line ?? 0));
}

export function AnalysisView({ analysis }: { analysis: Analysis }) {
  const findings = findingsOf(analysis);
  const counts = analysis.counts.swarm;
  return (
    <div data-testid="analysis">
      <p role="status">
        {analysis.deployable.swarm ? (
          <strong>Deployable on Swarm</strong>
        ) : (
          <strong className="field-error">Not deployable on Swarm: fix the blockers first</strong>
        )}{' '}
        <span className="muted">
          {analysis.services.length} service(s) · {counts.blocker} blocker(s) · {counts.dropped}{' '}
          left out · {counts.changed} changed
        </span>
      </p>
      {analysis.warnings.length > 0 && (
        <ul className="notice" aria-label="Warnings">
          {analysis.warnings.map((warning) => (
            <li key={`${warning.path}:${warning.message}`}>
              {warning.line ? `Line ${warning.line}: ` : ''}
              {warning.message}
            </li>
          ))}
        </ul>
      )}
      {findings.length > 0 && (
        <Table columns={['Where', 'On Swarm', 'On Kubernetes', 'Why']}>
          {findings.map((finding) => (
            <tr key={finding.path} data-finding={finding.path} data-verdict={finding.swarm}>
              <td data-label="Where">
                <code>{finding.path}</code>
                {finding.line ? <span className="muted"> line {finding.line}</span> : null}
              </td>
              <td data-label="On Swarm">{finding.swarm}</td>
              <td data-label="On Kubernetes">{finding.kubernetes}</td>
              <td data-label="Why">{finding.reason}</td>
            </tr>
          ))}
        </Table>
      )}
    </div>
  );
}

/** The API's issues about a compose file (400), line by line. */
export function ComposeIssues({
  issues,
}: {
  issues: { path: string; message: string; line?: number }[];
}) {
  if (issues.length === 0) return null;
  return (
    <ul className="notice notice-error" role="alert" aria-label="Problems in the compose file">
      {issues.map((issue) => (
        <li key={`${issue.path}:${issue.line ?? ''}:${issue.message}`} data-issue={issue.path}>
          {issue.line ? `Line ${issue.line}: ` : ''}
          <code>{issue.path.replace(/^compose\.?/, '') || 'file'}</code> {issue.message}
        </li>
      ))}
    </ul>
  );
}
