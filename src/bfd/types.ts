/**
 * The vocabulary of BFD (RFC 5880): session states and diagnostic codes as they travel on the
 * wire, and the control packet as a typed object. Shared by the codec (packet.ts), the pure
 * session state machine (session.ts) and the UDP transport (transport.ts).
 */

/** RFC 5880 §4.1 "Sta": the state of the sender's session, as the 2-bit wire value. */
export const BfdState = {
  ADMIN_DOWN: 0,
  DOWN: 1,
  INIT: 2,
  UP: 3,
} as const;
export type BfdState = (typeof BfdState)[keyof typeof BfdState];

/** Names for logs, `show bfd` and metrics labels. */
export const BFD_STATE_NAME: Readonly<Record<BfdState, 'AdminDown' | 'Down' | 'Init' | 'Up'>> = {
  0: 'AdminDown',
  1: 'Down',
  2: 'Init',
  3: 'Up',
};

/** RFC 5880 §4.1 "Diag": why the sender's session last left Up (or is not Up). */
export const BfdDiag = {
  NONE: 0,
  CONTROL_DETECTION_TIME_EXPIRED: 1,
  ECHO_FUNCTION_FAILED: 2,
  NEIGHBOR_SIGNALED_SESSION_DOWN: 3,
  FORWARDING_PLANE_RESET: 4,
  PATH_DOWN: 5,
  CONCATENATED_PATH_DOWN: 6,
  ADMINISTRATIVELY_DOWN: 7,
  REVERSE_CONCATENATED_PATH_DOWN: 8,
} as const;
export type BfdDiag = (typeof BfdDiag)[keyof typeof BfdDiag];

/** Text for each diagnostic code (RFC 5880 §4.1), for logs and `show bfd`; codes 9–31 are reserved. */
export function bfdDiagText(diag: number): string {
  switch (diag) {
    case BfdDiag.NONE:
      return 'No Diagnostic';
    case BfdDiag.CONTROL_DETECTION_TIME_EXPIRED:
      return 'Control Detection Time Expired';
    case BfdDiag.ECHO_FUNCTION_FAILED:
      return 'Echo Function Failed';
    case BfdDiag.NEIGHBOR_SIGNALED_SESSION_DOWN:
      return 'Neighbor Signaled Session Down';
    case BfdDiag.FORWARDING_PLANE_RESET:
      return 'Forwarding Plane Reset';
    case BfdDiag.PATH_DOWN:
      return 'Path Down';
    case BfdDiag.CONCATENATED_PATH_DOWN:
      return 'Concatenated Path Down';
    case BfdDiag.ADMINISTRATIVELY_DOWN:
      return 'Administratively Down';
    case BfdDiag.REVERSE_CONCATENATED_PATH_DOWN:
      return 'Reverse Concatenated Path Down';
    default:
      return `Reserved (${diag})`;
  }
}

/**
 * A BFD Control packet (RFC 5880 §4.1) without authentication: petrel implements none of the
 * optional authentication types (§6.7), so a packet with the A bit set is discarded on receipt.
 * Intervals are in microseconds, as on the wire.
 */
export interface BfdControlPacket {
  readonly diag: number;
  readonly state: BfdState;
  /** P: the sender asks for verification of a parameter change (Poll Sequence, §6.5). */
  readonly poll: boolean;
  /** F: the answer to a Poll. */
  readonly final: boolean;
  /** C: the sender's BFD does not share fate with its control plane. */
  readonly controlPlaneIndependent: boolean;
  /** D: the sender wishes to run Demand mode (§6.6). petrel never sets it. */
  readonly demand: boolean;
  readonly detectMult: number;
  readonly myDiscriminator: number;
  readonly yourDiscriminator: number;
  readonly desiredMinTxUs: number;
  readonly requiredMinRxUs: number;
  readonly requiredMinEchoRxUs: number;
}

/** The UDP destination port of single-hop BFD Control packets (RFC 5881 §4). */
export const BFD_SINGLE_HOP_PORT = 3784;
/** RFC 5883 §5: multihop Control packets go to UDP port 4784. */
export const BFD_MULTIHOP_PORT = 4784;
/** RFC 5881 §4: the source port MUST be in 49152–65535. */
export const BFD_SOURCE_PORT_MIN = 49152;
export const BFD_SOURCE_PORT_MAX = 65535;
/** RFC 5881 §5: sent with TTL / Hop Limit 255, and received ones with anything else discarded. */
export const BFD_TTL = 255;
