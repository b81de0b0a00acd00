/**
 * A loopback port where a TCP connect never completes, as with a host that drops packets: the
 * SYN goes unanswered. A listener of a child process stopped (SIGSTOP) accepts nothing; once the
 * kernel's accept queue for it is full (listen backlog 1: two connections), Linux drops every
 * further SYN, and the client's connect stays pending until its own timeout.
 */
import { spawn } from 'node:child_process';
import net from 'node:net';
import { waitForExit } from './processes';

export interface UnansweredListener {
  readonly port: number;
  /** Kills the listener and closes the connections that filled its queue. Idempotent. */
  stop(): Promise<void>;
}

const LISTEN = "const s = require('net').createServer().listen({ host: '127.0.0.1', port: 0, backlog: 1 }, () => console.log(s.address().port))";

export async function startUnansweredListener(): Promise<UnansweredListener> {
  const child = spawn(process.execPath, ['-e', LISTEN], { stdio: ['ignore', 'pipe', 'inherit'] });
  const fillers: net.Socket[] = [];
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    for (const socket of fillers) socket.destroy();
    child.kill('SIGKILL');
    if (child.pid !== undefined) await waitForExit(child.pid);
  };
  try {
    const port = await new Promise<number>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`the listener exited with ${code}`)));
      child.stdout.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
    });
    child.removeAllListeners('exit');
    child.kill('SIGSTOP');
    // Backlog 1 holds two connections the process never accepts; the kernel completes them itself.
    for (let i = 0; i < 2; i += 1) {
      const socket = net.connect(port, '127.0.0.1');
      fillers.push(socket);
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('error', reject);
      });
    }
    return { port, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
