// Where the cluster runs: a cloud provider (its account and region) or the user's own servers
// (a free-text location).
import { catalog, isCloudProvider } from '@flotilla/providers/catalog';
import { providerSchema } from '@flotilla/router/schemas';
import type { Dispatch, ReactNode } from 'react';
import { Field } from '../../components/field.tsx';
import type { ClusterForm, FormChange, Provider } from './form.ts';

const providerLabel = (provider: Provider) =>
  isCloudProvider(provider) ? catalog[provider].label : 'My own servers (SSH)';

export function WhereSection({
  form,
  errors,
  dispatch,
  credentials,
}: {
  form: ClusterForm;
  errors: Record<string, string>;
  dispatch: Dispatch<FormChange>;
  /** The cloud account's credentials field (and its loading error), for cloud providers. */
  credentials: ReactNode;
}) {
  const { provider, region } = form;
  const setRegion = (value: string) => dispatch({ type: 'set', field: 'region', value });
  return (
    <fieldset>
      <legend>Where</legend>
      <div className="choice-row">
        {providerSchema.options.map((option) => (
          <label key={option}>
            <input
              type="radio"
              name="provider"
              value={option}
              checked={provider === option}
              onChange={() => dispatch({ type: 'provider', provider: option })}
            />
            {providerLabel(option)}
          </label>
        ))}
      </div>
      {isCloudProvider(provider) ? (
        <>
          {credentials}
          <Field label="Region" error={errors.region}>
            {(props) => (
              <select {...props} value={region} onChange={(event) => setRegion(event.target.value)}>
                <option value="">Choose a region</option>
                {catalog[provider].regions.map((option) => (
                  <option key={option.code} value={option.code}>
                    {option.name} ({option.code})
                  </option>
                ))}
              </select>
            )}
          </Field>
        </>
      ) : (
        <Field
          label="Location (optional)"
          hint="Free text, e.g. office or fra-rack-2."
          error={errors.region}
        >
          {(props) => (
            <input
              {...props}
              value={region}
              onChange={(event) => setRegion(event.target.value)}
              placeholder="self-hosted"
            />
          )}
        </Field>
      )}
    </fieldset>
  );
}
