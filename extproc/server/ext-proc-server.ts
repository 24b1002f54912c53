import { chmod, rm } from 'node:fs/promises';
import { Server, ServerCredentials } from '@grpc/grpc-js';
import { handleProcessStream, type ProcessCall } from './ext-proc-service.js';
import { loadExtProcService } from './load-ext-proc-service.js';
import type { RuntimeConfig } from './runtime-config.js';

/** A running ext_proc gRPC server. */
export interface ExtProcServer {
  readonly serving: boolean;
  close(): Promise<void>;
}

/**
 * Serves Envoy's ExternalProcessor on a Unix socket. The socket is made private to the user
 * (0600): anyone who can talk to it can read request bodies and, through Envoy, credentials.
 */
export async function startExtProcServer(socketPath: string, runtime: () => RuntimeConfig): Promise<ExtProcServer> {
  // Bodies are buffered whole (up to the listener's buffer limit); grpc-js defaults to 4 MiB.
  const server = new Server({ 'grpc.max_receive_message_length': -1, 'grpc.max_send_message_length': -1, 'grpc.enable_channelz': 0 });
  server.addService(loadExtProcService(), { Process: (call: ProcessCall) => handleProcessStream(call, runtime) });
  // A socket file left by a killed run would make the bind fail; nobody can be serving on it
  // because the run directory is unique per run id.
  await rm(socketPath, { force: true });
  await new Promise<void>((resolve, reject) => {
    server.bindAsync(`unix://${socketPath}`, ServerCredentials.createInsecure(), (error) => (error ? reject(error) : resolve()));
  });
  await chmod(socketPath, 0o600);
  let serving = true;
  return {
    get serving() {
      return serving;
    },
    close: () =>
      new Promise<void>((resolve) => {
        serving = false;
        const force = setTimeout(() => server.forceShutdown(), 5000);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      }),
  };
}
