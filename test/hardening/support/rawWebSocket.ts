/**
 * A WebSocket client made of a raw TCP socket, for frames the `ws` client refuses to send:
 * unmasked, reserved bits or opcodes, broken UTF-8, absurd lengths, plain garbage.
 */
import { randomBytes } from 'node:crypto';
import type net from 'node:net';
import { connectRaw, parseResponse, type RawResponse } from './rawHttp';

export interface RawWebSocket {
  socket: net.Socket;
  /** The handshake answer (101 when upgraded). */
  handshake: RawResponse;
  /** Resolves with the code and reason of the first close frame the server sends. */
  closeFrame: Promise<{ code: number; reason: string }>;
  /** Text messages received before the close frame. */
  texts: string[];
}

/**
 * Performs the opening handshake by hand.
 * @param extraHeaders extra request header lines
 */
export async function rawWebSocket(port: number, options: { path?: string; extraHeaders?: string[] } = {}): Promise<RawWebSocket> {
  const socket = await connectRaw(port);
  socket.on('error', () => undefined);
  const texts: string[] = [];
  let buffered = Buffer.alloc(0);
  let handshake: RawResponse | undefined;
  let onHandshake: (r: RawResponse) => void = () => undefined;
  let onClose: (c: { code: number; reason: string }) => void = () => undefined;
  const handshakeDone = new Promise<RawResponse>((resolve) => (onHandshake = resolve));
  const closeFrame = new Promise<{ code: number; reason: string }>((resolve) => (onClose = resolve));

  const parseFrames = () => {
    for (;;) {
      if (buffered.length < 2) return;
      const opcode = buffered[0] & 0x0f;
      let length = buffered[1] & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (buffered.length < 4) return;
        length = buffered.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (buffered.length < 10) return;
        length = Number(buffered.readBigUInt64BE(2));
        offset = 10;
      }
      if (buffered.length < offset + length) return;
      const payload = buffered.subarray(offset, offset + length);
      buffered = buffered.subarray(offset + length);
      if (opcode === 0x1) texts.push(payload.toString('utf8'));
      if (opcode === 0x8) {
        onClose({ code: payload.length >= 2 ? payload.readUInt16BE(0) : 1005, reason: payload.subarray(2).toString('utf8') });
        socket.destroy();
        return;
      }
    }
  };

  socket.on('data', (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    if (!handshake) {
      const end = buffered.indexOf('\r\n\r\n');
      if (end < 0) return;
      handshake = parseResponse(buffered.subarray(0, end + 4));
      buffered = buffered.subarray(end + 4);
      onHandshake(handshake);
      if (handshake.status !== 101) return;
    }
    parseFrames();
  });
  socket.on('close', () => {
    if (!handshake) onHandshake(parseResponse(buffered));
    onClose({ code: 1006, reason: 'connection closed without a close frame' });
  });

  socket.write(
    [
      `GET ${options.path ?? '/'} HTTP/1.1`,
      'Host: 127.0.0.1',
      'Upgrade: websocket',
      'Connection: Upgrade',
      `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
      'Sec-WebSocket-Version: 13',
      ...(options.extraHeaders ?? []),
      '',
      '',
    ].join('\r\n'),
  );
  return { socket, handshake: await handshakeDone, closeFrame, texts };
}

/**
 * One frame as a client would send it.
 * @param options.mask false sends it unmasked (a protocol error from a client)
 * @param options.rsv reserved bits to set (0–7; non-zero is a protocol error without extensions)
 * @param options.declaredLength the length to announce instead of the payload's
 */
export function clientFrame(
  opcode: number,
  payload: Buffer | string,
  options: { fin?: boolean; mask?: boolean; rsv?: number; declaredLength?: bigint } = {},
): Buffer {
  const data = Buffer.from(payload);
  const mask = options.mask ?? true;
  const first = ((options.fin ?? true) ? 0x80 : 0) | ((options.rsv ?? 0) << 4) | opcode;
  const length = options.declaredLength ?? BigInt(data.length);
  let head: Buffer;
  if (length < 126n) head = Buffer.from([first, (mask ? 0x80 : 0) | Number(length)]);
  else if (length < 65536n) {
    head = Buffer.alloc(4);
    head[0] = first;
    head[1] = (mask ? 0x80 : 0) | 126;
    head.writeUInt16BE(Number(length), 2);
  } else {
    head = Buffer.alloc(10);
    head[0] = first;
    head[1] = (mask ? 0x80 : 0) | 127;
    head.writeBigUInt64BE(length, 2);
  }
  if (!mask) return Buffer.concat([head, data]);
  const key = randomBytes(4);
  const masked = Buffer.from(data.map((byte, i) => byte ^ key[i % 4]));
  return Buffer.concat([head, key, masked]);
}
