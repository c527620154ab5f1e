// Cloud clusters: how many machines of which size, per role. Field errors are keyed by the
// pool's index in the `nodes` array sent (managers first).
import { catalog, isCloudProvider } from '@flotilla/providers/catalog';
import { planSchema } from '@flotilla/router/schemas';
import type { Dispatch } from 'react';
import { Field } from '../../components/field.tsx';
import type { ClusterForm, FormChange, Plan, PoolName, Provider } from './form.ts';

function planLabel(provider: Provider, plan: Plan): string {
  if (!isCloudProvider(provider)) return plan;
  const size = catalog[provider].machineTypes[plan];
  return `${plan} — ${size.vcpus} vCPU, ${size.memoryGb} GB (${size.type})`;
}

const pools: { name: PoolName; label: string; index: number; min: number }[] = [
  { name: 'managers', label: 'Managers', index: 0, min: 1 },
  { name: 'workers', label: 'Workers', index: 1, min: 0 },
];

export function PoolsSection({
  form,
  errors,
  dispatch,
}: {
  form: ClusterForm;
  errors: Record<string, string>;
  dispatch: Dispatch<FormChange>;
}) {
  return (
    <fieldset>
      <legend>Node pools</legend>
      {errors.nodes && <p className="field-error">{errors.nodes}</p>}
      {pools.map(({ name, label, index, min }) => (
        <div className="row" key={name}>
          <Field label={`${label}: plan`} error={errors[`nodes.${index}.plan`]}>
            {(props) => (
              <select
                {...props}
                value={form[name].plan}
                onChange={(event) =>
                  dispatch({
                    type: 'pool',
                    pool: name,
                    change: { plan: event.target.value as Plan },
                  })
                }
              >
                {planSchema.options.map((plan) => (
                  <option key={plan} value={plan}>
                    {planLabel(form.provider, plan)}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label={`${label}: count`} error={errors[`nodes.${index}.count`]}>
            {(props) => (
              <input
                {...props}
                type="number"
                min={min}
                max={100}
                value={form[name].count}
                onChange={(event) =>
                  dispatch({ type: 'pool', pool: name, change: { count: event.target.value } })
                }
              />
            )}
          </Field>
        </div>
      ))}
    </fieldset>
  );
}
