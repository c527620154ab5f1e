// The user's own servers: the SSH key Flotilla logs in with, and one row per server. Field
// errors are keyed by the server's index in the `nodes` array sent.
import { roleSchema } from '@flotilla/router/schemas';
import type { Dispatch, ReactNode } from 'react';
import { Field } from '../../components/field.tsx';
import type { FormChange, Role, Server } from './form.ts';

export function ServersSection({
  servers,
  errors,
  dispatch,
  sshKey,
}: {
  servers: Server[];
  errors: Record<string, string>;
  dispatch: Dispatch<FormChange>;
  /** The SSH key field (and its loading error). */
  sshKey: ReactNode;
}) {
  return (
    <fieldset>
      <legend>Servers</legend>
      {sshKey}
      {errors.nodes && <p className="field-error">{errors.nodes}</p>}
      {servers.map((server, index) => {
        const change = (change: Partial<Omit<Server, 'key'>>) =>
          dispatch({ type: 'server', key: server.key, change });
        return (
          <div className="row" key={server.key} data-server-row={index}>
            <Field label={`Server ${index + 1} role`} error={errors[`nodes.${index}.role`]}>
              {(props) => (
                <select
                  {...props}
                  value={server.role}
                  onChange={(event) => change({ role: event.target.value as Role })}
                >
                  {roleSchema.options.map((role) => (
                    <option key={role} value={role}>
                      {role}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <Field label={`Server ${index + 1} address`} error={errors[`nodes.${index}.host`]}>
              {(props) => (
                <input
                  {...props}
                  value={server.host}
                  onChange={(event) => change({ host: event.target.value })}
                  placeholder="203.0.113.10"
                />
              )}
            </Field>
            <Field label={`Server ${index + 1} SSH port`} error={errors[`nodes.${index}.port`]}>
              {(props) => (
                <input
                  {...props}
                  value={server.port}
                  inputMode="numeric"
                  onChange={(event) => change({ port: event.target.value })}
                  placeholder="22"
                />
              )}
            </Field>
            <Field label={`Server ${index + 1} SSH user`} error={errors[`nodes.${index}.user`]}>
              {(props) => (
                <input
                  {...props}
                  value={server.user}
                  onChange={(event) => change({ user: event.target.value })}
                  placeholder="root"
                />
              )}
            </Field>
            <button
              type="button"
              className="button button-small"
              disabled={servers.length === 1}
              onClick={() => dispatch({ type: 'removeServer', key: server.key })}
            >
              Remove server {index + 1}
            </button>
          </div>
        );
      })}
      <div className="actions">
        <button
          type="button"
          className="button button-small"
          onClick={() => dispatch({ type: 'addServer' })}
        >
          Add a server
        </button>
      </div>
    </fieldset>
  );
}
