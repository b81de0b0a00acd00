/**
 * The load generator, in its own process: WebSocket clients (`ws`, no compression) that time
 * probe events, and HTTP clients that post photos. The orchestrator drives it over IPC.
 */
import { createTcpSinks } from '../floor/createTcpSinks';
import { createClientSwarm, type ClientSwarm } from '../load/createClientSwarm';
import { runHttpLoad, type HttpLoadArgs } from '../load/runHttpLoad';
import { reportStartFailure, serveRpc } from '../ipc/serveRpc';

function main(): void {
  let swarm: ClientSwarm | undefined;
  const sinks = createTcpSinks();
  const requireSwarm = () => {
    if (!swarm) throw new Error('call useEventServer first');
    return swarm;
  };

  serveRpc(
    { pid: process.pid },
    {
      /** Points the swarm at an event server, closing clients of a previous one. */
      useEventServer: async (args: { url: string }) => {
        await swarm?.close();
        swarm = createClientSwarm(args.url);
        return null;
      },
      connect: (args: { target: number; parallel?: number }) => requireSwarm().connect(args.target, { parallel: args.parallel }),
      trim: (args: { keep: number }) => requireSwarm().trim(args.keep),
      arm: (args: { count: number }) => requireSwarm().arm(args.count),
      collect: (args: { timeoutMs: number }) => requireSwarm().collect(args.timeoutMs),
      post: (args: HttpLoadArgs) => runHttpLoad(args),
      connectTcpSinks: (args: { port: number; count: number }) => sinks.connect(args.port, args.count),
      closeTcpSinks: () => sinks.close(),
      memory: () => process.memoryUsage(),
    },
    async () => {
      await swarm?.close();
      await sinks.close();
    },
  );
}

// Only when forked as a benchmark process, never when imported.
if (require.main === module) {
  try {
    main();
  } catch (err) {
    reportStartFailure(err);
  }
}
