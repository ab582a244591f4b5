import { http } from '../../api/client';
import { ErrorMessage } from '../../components/errors';
import { Loading, PageHeader, Section } from '../../components/page';
import { useResource } from '../../hooks/use-resource';
import {
  contentsOf,
  endpointsByTag,
  errorCodesOf,
  fieldsOf,
  limitsText,
  typeText,
  type Endpoint,
  type Field,
  type JsonSchema,
  type OpenApiDocument,
} from './openapi-view';

/** Where the server serves the document the page is made from. */
export const OPENAPI_URL = '/api/openapi.json';

/**
 * The API reference: the OpenAPI document Logwarden generates from its routes, as a
 * page. The document needs the same credentials as the rest of the API.
 */
export function ApiReferencePage() {
  const doc = useResource(() => http.get<OpenApiDocument>(OPENAPI_URL), []);
  return (
    <>
      <PageHeader
        title="API reference"
        actions={
          <a className="button" href={OPENAPI_URL} download="logwarden-openapi.json">
            OpenAPI document
          </a>
        }
      >
        {doc.data && (
          <p className="muted small">
            {doc.data.info.title} {doc.data.info.version} · OpenAPI {doc.data.openapi}
          </p>
        )}
      </PageHeader>
      <ErrorMessage error={doc.error} />
      {doc.loading && !doc.data && <Loading what="Reading the API description" />}
      {doc.data && <Reference doc={doc.data} />}
    </>
  );
}

function Reference({ doc }: { doc: OpenApiDocument }) {
  const groups = endpointsByTag(doc);
  const schemes = Object.entries(doc.components?.securitySchemes ?? {});
  const codes = doc.components?.schemas?.ErrorCode;
  return (
    <div className="api-reference" data-testid="api-reference">
      {doc.info.description && <p className="api-intro">{doc.info.description}</p>}
      <Section title="Authentication">
        <dl className="facts">
          {schemes.map(([name, scheme]) => (
            <div key={name}>
              <dt>{name}</dt>
              <dd>{scheme.description}</dd>
            </div>
          ))}
        </dl>
        {codes?.description && <p className="muted small">{codes.description}</p>}
      </Section>
      <nav className="api-toc" aria-label="API sections">
        {groups.map(([tag]) => (
          <a key={tag} href={`#api-${anchor(tag)}`}>
            {tag}
          </a>
        ))}
      </nav>
      {groups.map(([tag, endpoints]) => (
        <section key={tag} className="section" id={`api-${anchor(tag)}`}>
          <div className="section-header">
            <h2>{tag}</h2>
          </div>
          {endpoints.map((e) => (
            <EndpointView key={`${e.method} ${e.path}`} endpoint={e} />
          ))}
        </section>
      ))}
    </div>
  );
}

const anchor = (text: string) => text.toLowerCase().replace(/[^a-z0-9]+/g, '-');

function EndpointView({ endpoint }: { endpoint: Endpoint }) {
  const { operation } = endpoint;
  const params = operation.parameters ?? [];
  return (
    <details className="api-endpoint" data-testid="api-endpoint">
      <summary>
        <span className={`api-method api-method-${endpoint.method.toLowerCase()}`}>
          {endpoint.method}
        </span>{' '}
        <code>{endpoint.path}</code>{' '}
        <span className="badge subtle" title="Who may call it">
          {endpoint.access}
        </span>{' '}
        {operation.summary && <span className="api-summary">{operation.summary}</span>}
      </summary>
      {operation.description && <p className="muted small">{operation.description}</p>}
      {params.length > 0 && (
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th>Parameter</th>
                <th>In</th>
                <th>Type</th>
                <th>Meaning</th>
              </tr>
            </thead>
            <tbody>
              {params.map((p) => (
                <tr key={`${p.in} ${p.name}`}>
                  <td>
                    <code>{p.name}</code>
                    {p.required && <span className="muted"> (required)</span>}
                  </td>
                  <td>{p.in}</td>
                  <td>{typeText(p.schema)}</td>
                  <td>{[p.description, limitsText(p.schema)].filter(Boolean).join(' ')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {contentsOf(operation.requestBody).map(({ mediaType, schema }) => (
        <div key={mediaType}>
          <h4>Body ({mediaType})</h4>
          <SchemaView schema={schema} />
        </div>
      ))}
      <h4>Answers</h4>
      <ul className="plain-list api-responses">
        {Object.entries(operation.responses).map(([status, answer]) => {
          const codes = errorCodesOf(answer);
          return (
            <li key={status}>
              <strong>{status}</strong> {answer.description}
              {codes ? (
                <div className="api-content">
                  <span className="muted small">error codes </span>
                  <code className="api-type">{codes.join(', ')}</code>
                </div>
              ) : (
                contentsOf(answer).map(({ mediaType, schema }) => (
                  <div key={mediaType} className="api-content">
                    <span className="muted small">{mediaType}</span> <SchemaView schema={schema} />
                  </div>
                ))
              )}
            </li>
          );
        })}
      </ul>
    </details>
  );
}

function SchemaView({ schema }: { schema: JsonSchema | undefined }) {
  const fields = fieldsOf(schema);
  if (fields.length === 0) return <code className="api-type">{typeText(schema)}</code>;
  const list = schema?.type === 'array';
  return (
    <>
      {list && <code className="api-type">array of</code>}
      <FieldList fields={fields} />
    </>
  );
}

function FieldList({ fields }: { fields: Field[] }) {
  return (
    <ul className="api-fields">
      {fields.map((f) => (
        <li key={f.name}>
          <code>{f.name}</code>
          {!f.required && <span className="muted">?</span>}{' '}
          <span className="api-type">{f.type}</span>
          {f.description && <span className="muted small"> — {f.description}</span>}
          {f.fields.length > 0 && <FieldList fields={f.fields} />}
        </li>
      ))}
    </ul>
  );
}
