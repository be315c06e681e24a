/**
 * The control socket's protocol: JSON lines over a Unix stream socket. A client writes one request
 * object per line and reads one response object per line, in order:
 *
 *   {"command":"status"}                        → {"ok":true,"result":{…}}
 *   {"command":"peers"}                         → {"ok":true,"result":[…]}
 *   {"command":"bfd"}                           → {"ok":true,"result":[…]}
 *   {"command":"routes","prefix":"10.0.0.0/24"} → {"ok":true,"result":[…]}
 *   {"command":"reload"}                        → {"ok":true,"result":{…}} or {"ok":false,"error":"…","details":[…]}
 *   {"command":"peer","action":"reset","name":"tor1"}
 *   {"command":"peer","action":"disable","name":"tor1","message":"maintenance until 14:00"}
 *
 * Requests are validated before anything runs; an unknown command or a bad field is an error
 * response, never a dropped connection.
 */
import { z } from 'zod';
import { MAX_SHUTDOWN_MESSAGE_OCTETS } from '../bgp/notification.js';

/** RFC 9003 §2: a shutdown communication is at most 255 octets of UTF-8; longer is refused, not cut. */
const shutdownMessage = z
  .string()
  .min(1)
  .superRefine((m, ctx) => {
    const octets = Buffer.byteLength(m, 'utf8');
    if (octets > MAX_SHUTDOWN_MESSAGE_OCTETS) {
      ctx.addIssue({ code: 'custom', message: `the message is ${octets} octets of UTF-8; a shutdown communication holds at most ${MAX_SHUTDOWN_MESSAGE_OCTETS} (RFC 9003 §2)` });
    }
  });

export const controlRequestSchema = z.discriminatedUnion('command', [
  z.object({ command: z.literal('status') }).strict(),
  z.object({ command: z.literal('peers') }).strict(),
  z.object({ command: z.literal('bfd') }).strict(),
  z.object({ command: z.literal('routes'), prefix: z.string().min(1).max(64).optional() }).strict(),
  z.object({ command: z.literal('reload') }).strict(),
  z
    .object({ command: z.literal('peer'), action: z.enum(['reset', 'disable', 'enable']), name: z.string().min(1).max(128), message: shutdownMessage.optional() })
    .strict()
    .refine((r) => r.message === undefined || r.action !== 'enable', { message: 'a message goes with reset or disable (it is sent in their NOTIFICATION)', path: ['message'] }),
]);

export type ControlRequest = z.infer<typeof controlRequestSchema>;

export type ControlResponse =
  | { readonly ok: true; readonly result: unknown }
  | { readonly ok: false; readonly error: string; readonly details?: readonly string[] };

/** A request line longer than this is refused (the socket is local, but still bounded). */
export const MAX_REQUEST_BYTES = 64 * 1024;
