import { orchestratorSchema } from '@flotilla/router/schemas';
import type { Dispatch } from 'react';
import type { FormChange, Orchestrator } from './form.ts';

export function OrchestratorSection({
  orchestrator,
  dispatch,
}: {
  orchestrator: Orchestrator;
  dispatch: Dispatch<FormChange>;
}) {
  return (
    <fieldset>
      <legend>Orchestrator</legend>
      <div className="choice-row">
        {orchestratorSchema.options.map((option) => (
          <label key={option}>
            <input
              type="radio"
              name="orchestrator"
              value={option}
              checked={orchestrator === option}
              onChange={() => dispatch({ type: 'orchestrator', orchestrator: option })}
            />
            {option === 'swarm' ? 'Docker Swarm' : 'Kubernetes (k3s)'}
          </label>
        ))}
      </div>
      {orchestrator === 'swarm' && (
        <p className="field-hint">Swarm needs an odd number of managers (Raft quorum).</p>
      )}
    </fieldset>
  );
}
