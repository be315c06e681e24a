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

/** RFC 5880 §4.1 "Auth Type": the authentication type of an Authentication Section. */
export const BfdAuthType = {
  /** §4.1: 0 is reserved. */
  RESERVED: 0,
  /** §4.2, §6.7.2. */
  SIMPLE_PASSWORD: 1,
  /** §4.3, §6.7.3. */
  KEYED_MD5: 2,
  METICULOUS_KEYED_MD5: 3,
  /** §4.4, §6.7.4. */
  KEYED_SHA1: 4,
  METICULOUS_KEYED_SHA1: 5,
} as const;
export type BfdAuthType = (typeof BfdAuthType)[keyof typeof BfdAuthType];
/** The types petrel implements: every one but the reserved 0. */
export type BfdAuthTypeInUse = Exclude<BfdAuthType, typeof BfdAuthType.RESERVED>;
export type BfdDigestAuthType = Exclude<BfdAuthTypeInUse, typeof BfdAuthType.SIMPLE_PASSWORD>;

/** Names in the config, `show bfd` and logs, as BIRD spells them (with dashes). */
export const BFD_AUTH_TYPE_NAME: Readonly<Record<BfdAuthTypeInUse, BfdAuthTypeName>> = {
  1: 'simple',
  2: 'keyed-md5',
  3: 'meticulous-keyed-md5',
  4: 'keyed-sha1',
  5: 'meticulous-keyed-sha1',
};
export const BFD_AUTH_TYPE_NAMES = ['simple', 'keyed-md5', 'meticulous-keyed-md5', 'keyed-sha1', 'meticulous-keyed-sha1'] as const;
export type BfdAuthTypeName = (typeof BFD_AUTH_TYPE_NAMES)[number];

export function bfdAuthTypeOfName(name: BfdAuthTypeName): BfdAuthTypeInUse {
  switch (name) {
    case 'simple':
      return BfdAuthType.SIMPLE_PASSWORD;
    case 'keyed-md5':
      return BfdAuthType.KEYED_MD5;
    case 'meticulous-keyed-md5':
      return BfdAuthType.METICULOUS_KEYED_MD5;
    case 'keyed-sha1':
      return BfdAuthType.KEYED_SHA1;
    case 'meticulous-keyed-sha1':
      return BfdAuthType.METICULOUS_KEYED_SHA1;
  }
}

/**
 * An Authentication Section as it travels (RFC 5880 §4.2–4.4): the password in clear for Simple
 * Password, else the sequence number and the digest (16 octets MD5, 20 SHA1). The digest is what
 * the sender put there, not yet checked: that needs the key (auth.ts).
 */
export type BfdAuthSection =
  | { readonly type: typeof BfdAuthType.SIMPLE_PASSWORD; readonly keyId: number; readonly password: Uint8Array }
  | { readonly type: BfdDigestAuthType; readonly keyId: number; readonly sequence: number; readonly digest: Uint8Array };

/**
 * A BFD Control packet (RFC 5880 §4.1), with its Authentication Section when the A bit is set.
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
  /** A: present when the A bit is set (§4.1, §6.7). */
  readonly auth?: BfdAuthSection;
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
