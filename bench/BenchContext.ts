import type { BenchOptions } from './BenchOptions';
import type { Worker } from './ipc/forkWorker';
import type { BenchPhoto } from './makeBenchPhoto';
import type { ServerInfo } from './processes/serverProcess';
import type { NodeRuntime } from './readProductionRuntime';

/** What every scenario gets from the orchestrator. */
export interface BenchContext {
  options: BenchOptions;
  /** The load generator process (WebSocket and HTTP clients). */
  load: Worker<{ pid: number }>;
  /**
   * Starts a service process with these environment overrides; stop it when done. It runs with
   * `start:prod`'s environment and Node flags unless `runtime` is `plain` (bare `node`).
   */
  startServer(name: string, env?: Record<string, string>, runtime?: NodeRuntime['name']): Promise<Worker<ServerInfo>>;
  /** Forks another benchmark process by its repository-relative `.ts` path. */
  startProcess<Info>(name: string, relativeTsPath: string, env?: Record<string, string>): Promise<Worker<Info>>;
  /** The large (12 MP) upload. */
  photo: BenchPhoto;
  /** The small sample photo (ss.jpg, what test-api.ts posts). */
  samplePhotoPath: string;
  /** What `start:prod` sets (for the figures' conditions). */
  productionRuntime: NodeRuntime;
  progress(message: string): void;
}
