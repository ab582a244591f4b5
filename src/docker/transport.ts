import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Agent } from 'undici';
import { AppError, ErrorCode } from '../errors.js';

export interface DockerEndpoint {
  /** DOCKER_HOST: unix:///path or tcp://host:port. */
  host: string;
  /** DOCKER_TLS_VERIFY: use TLS and verify the daemon's certificate. */
  tlsVerify?: boolean;
  /** DOCKER_CERT_PATH: ca.pem, cert.pem, key.pem; TLS is on whenever it is set. */
  certPath?: string | null;
}

export interface Transport {
  /** Origin for request URLs; the unix socket is reached through the dispatcher. */
  origin: string;
  dispatcher: Agent;
  /** What to show in logs and errors. */
  description: string;
}

/** Builds the connection the way the docker CLI reads DOCKER_HOST and its TLS variables. */
export function createTransport(endpoint: DockerEndpoint): Transport {
  const { host } = endpoint;
  if (host.startsWith('unix://')) {
    const socketPath = host.slice('unix://'.length);
    if (!socketPath) throw AppError.validation('docker.host', 'unix:// needs a socket path');
    return {
      origin: 'http://docker',
      dispatcher: new Agent({ connect: { socketPath }, keepAliveTimeout: 10_000 }),
      description: host,
    };
  }
  if (host.startsWith('tcp://') || host.startsWith('http://') || host.startsWith('https://')) {
    const url = new URL(host.replace(/^tcp:/, 'http:'));
    const useTls = Boolean(endpoint.tlsVerify || endpoint.certPath || url.protocol === 'https:');
    if (!useTls) {
      return { origin: url.origin, dispatcher: new Agent(), description: host };
    }
    const dir = endpoint.certPath || join(homedir(), '.docker');
    const read = (name: string): Buffer | undefined => {
      try {
        return readFileSync(join(dir, name));
      } catch (err) {
        if (endpoint.tlsVerify && name === 'ca.pem') {
          throw new AppError(
            ErrorCode.ConfigInvalid,
            `docker.cert_path: cannot read ${join(dir, name)}`,
            {
              field: 'docker.cert_path',
              cause: err,
            },
          );
        }
        return undefined;
      }
    };
    const port = url.port || '2376';
    return {
      origin: `https://${url.hostname}:${port}`,
      dispatcher: new Agent({
        connect: {
          ca: read('ca.pem'),
          cert: read('cert.pem'),
          key: read('key.pem'),
          rejectUnauthorized: Boolean(endpoint.tlsVerify),
        },
      }),
      description: host,
    };
  }
  throw AppError.validation('docker.host', `unsupported scheme in ${host} (use unix:// or tcp://)`);
}
