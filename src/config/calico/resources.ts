/**
 * The Calico resources petrel reads (`projectcalico.org/v3`, as users write them for calicoctl,
 * and `crd.projectcalico.org/v1` as `kubectl get -o yaml` prints the CRDs), checked field by
 * field into typed objects: `BGPConfiguration`, `BGPPeer`, `IPPool`, `Node`, `BlockAffinity`,
 * `BGPFilter` (CALICO.md §2). Fields of these kinds that do not affect BGP (`allowedUses`,
 * `programClusterRoutes`, …) are accepted and ignored; a field Calico does not have is an error,
 * so a typo never silently drops a setting. Other Calico kinds (policies, Felix configuration, …)
 * are skipped, so a cluster's whole manifest folder can be named; anything else is an error.
 */
import { z, type core } from 'zod';
import { checkRuleLists, filterRuleLists } from '../filters.js';
import { cidrField, communityField, interfaceAddressField, ipAddressField, ipv4Field, portField } from '../fields.js';
import type { ConfigIssue } from '../load.js';
import { issueAt, type RawResource, type ResourceSource } from './documents.js';
import { parseSelector, type Labels, type Selector } from './selector.js';
import { parseAsNumber, parseDurationSec, parsePeerIp, type Parsed } from './values.js';

export const API_VERSIONS = ['projectcalico.org/v3', 'crd.projectcalico.org/v1'] as const;

/** Calico kinds with nothing for BGP: skipped when a folder holds them. */
const SKIPPED_KINDS: ReadonlySet<string> = new Set([
  'CalicoNodeStatus',
  'ClusterInformation',
  'FelixConfiguration',
  'GlobalNetworkPolicy',
  'GlobalNetworkSet',
  'HostEndpoint',
  'IPAMBlock',
  'IPAMConfig',
  'IPAMConfiguration',
  'IPAMHandle',
  'IPReservation',
  'KubeControllersConfiguration',
  'NetworkPolicy',
  'NetworkSet',
  'Profile',
  'StagedGlobalNetworkPolicy',
  'StagedKubernetesNetworkPolicy',
  'StagedNetworkPolicy',
  'Tier',
  'WorkloadEndpoint',
]);

const fromParser = <T>(parse: (input: unknown) => Parsed<T>) =>
  z.unknown().transform((input, ctx) => {
    const result = parse(input);
    if (!result.ok) {
      ctx.issues.push({ code: 'custom', input, message: result.message });
      return z.NEVER;
    }
    return result.value;
  });

const asNumber = fromParser(parseAsNumber);
const durationSec = fromParser(parseDurationSec);
const selector = z.string().transform((text, ctx): Selector => {
  const result = parseSelector(text);
  if (!result.ok) {
    ctx.issues.push({ code: 'custom', input: text, message: result.message });
    return z.NEVER;
  }
  return result.selector;
});
/** Ignored fields keep their place in the schema, so only real typos are errors. */
const ignored = z.unknown().optional();

/** Calico accepts a node address without a length; it means the address alone. */
function nodeAddress(family: 4 | 6) {
  return z.preprocess((v) => (typeof v === 'string' && !v.includes('/') ? `${v}/${family === 4 ? 32 : 128}` : v), interfaceAddressField(family));
}

const secretKeyRef = z.object({ name: z.string().min(1), key: z.string().min(1), optional: z.boolean().optional() }).strict();
export type SecretKeyRef = z.output<typeof secretKeyRef>;
const password = z.object({ secretKeyRef }).strict();

const cidrList = z.array(z.object({ cidr: cidrField }).strict()).transform((list) => list.map((entry) => entry.cidr));

const bgpConfigurationSpec = z
  .object({
    logSeverityScreen: z.enum(['Debug', 'Info', 'Warning', 'Error', 'Fatal', 'None']).optional(),
    nodeToNodeMeshEnabled: z.boolean().optional(),
    asNumber: asNumber.optional(),
    listenPort: portField.optional(),
    bindMode: z.enum(['None', 'NodeIP']).optional(),
    serviceClusterIPs: cidrList.optional(),
    serviceExternalIPs: cidrList.optional(),
    serviceLoadBalancerIPs: cidrList.optional(),
    communities: z.array(z.object({ name: z.string().min(1), value: communityField }).strict()).optional(),
    prefixAdvertisements: z.array(z.object({ cidr: cidrField, communities: z.array(z.string().min(1)).default([]) }).strict()).optional(),
    nodeMeshPassword: password.optional(),
    nodeMeshMaxRestartTime: durationSec.optional(),
    ignoredInterfaces: z.array(z.string().min(1)).optional(),
    serviceLoadBalancerAggregation: ignored,
    programClusterRoutes: z.enum(['Enabled', 'Disabled', 'EnabledIPIPOnly', 'EnabledNoEncapOnly']).optional(),
    // confd's range (api bgpconfig.go); must match Felix's, which petrel cannot check.
    ipv4NormalRoutePriority: z.number().int().min(1).max(2147483646).optional(),
    ipv6NormalRoutePriority: z.number().int().min(1).max(2147483646).optional(),
    localWorkloadPeeringIPV4: ignored,
    localWorkloadPeeringIPV6: ignored,
  })
  .strict();

const bgpPeerSpec = z
  .object({
    node: z.string().min(1).optional(),
    nodeSelector: selector.optional(),
    peerIP: fromParser(parsePeerIp).optional(),
    asNumber: asNumber.optional(),
    peerSelector: selector.optional(),
    localASNumber: asNumber.optional(),
    keepOriginalNextHop: z.boolean().default(false),
    nextHopMode: z.enum(['Auto', 'Self', 'Keep']).optional(),
    password: password.optional(),
    sourceAddress: z.enum(['UseNodeIP', 'None']).default('UseNodeIP'),
    maxRestartTime: durationSec.optional(),
    keepaliveTime: durationSec.optional(),
    numAllowedLocalASNumbers: z.number().int().min(1).max(10).optional(),
    ttlSecurity: z.number().int().min(1).max(254).optional(),
    reachableBy: ipAddressField.optional(),
    filters: z.array(z.string().min(1)).default([]),
    reversePeering: z.enum(['Auto', 'Manual']).default('Auto'),
    localWorkloadSelector: ignored,
    failureDetectionMode: ignored,
    restartMode: ignored,
    birdGatewayMode: ignored,
  })
  .strict()
  .superRefine((spec, ctx) => {
    // Calico's validator: node XOR nodeSelector, peerIP XOR peerSelector, AS with peerIP only.
    if (spec.node !== undefined && spec.nodeSelector !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['nodeSelector'], message: 'set node or nodeSelector, not both' });
    }
    if (spec.peerIP !== undefined && spec.peerSelector !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['peerSelector'], message: 'set peerIP or peerSelector, not both' });
    }
    if (spec.peerIP === undefined && spec.peerSelector === undefined) {
      ctx.addIssue({ code: 'custom', path: ['peerIP'], message: 'a BGPPeer names its peer: set peerIP (with asNumber) or peerSelector' });
    }
    if (spec.peerIP !== undefined && spec.asNumber === undefined) {
      ctx.addIssue({ code: 'custom', path: ['asNumber'], message: `a BGPPeer with peerIP needs the peer's asNumber` });
    }
    if (spec.peerSelector !== undefined && spec.asNumber !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['asNumber'], message: 'with peerSelector the AS comes from each selected Node: leave asNumber out' });
    }
    if (spec.reachableBy !== undefined && spec.peerIP !== undefined && spec.reachableBy.includes(':') !== spec.peerIP.address.includes(':')) {
      ctx.addIssue({ code: 'custom', path: ['reachableBy'], message: 'reachableBy must be of the same address family as peerIP' });
    }
  });

const encapMode = z.enum(['Never', 'Always', 'CrossSubnet']);
const ipPoolSpec = z
  .object({
    cidr: cidrField,
    blockSize: z.number().int().optional(),
    ipipMode: encapMode.default('Never'),
    vxlanMode: encapMode.default('Never'),
    natOutgoing: z.boolean().default(false),
    disabled: z.boolean().default(false),
    disableBGPExport: z.boolean().default(false),
    nodeSelector: selector.optional(),
    allowedUses: ignored,
    assignmentMode: ignored,
    namespaceSelector: ignored,
  })
  .strict();

const nodeSpec = z
  .object({
    bgp: z
      .object({
        ipv4Address: nodeAddress(4).optional(),
        ipv6Address: nodeAddress(6).optional(),
        asNumber: asNumber.optional(),
        routeReflectorClusterID: ipv4Field.optional(),
        ipv4IPIPTunnelAddr: ignored,
      })
      .strict()
      .optional(),
    ipv4VXLANTunnelAddr: ipAddressField.optional(),
    vxlanTunnelMACAddr: z
      .string()
      .regex(/^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/, 'expected a MAC address such as 66:3e:ad:8e:29:1a')
      .transform((mac) => mac.toLowerCase())
      .optional(),
    ipv6VXLANTunnelAddr: ipAddressField.optional(),
    vxlanTunnelMACAddrV6: z
      .string()
      .regex(/^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/, 'expected a MAC address such as 66:3e:ad:8e:29:1a')
      .transform((mac) => mac.toLowerCase())
      .optional(),
    orchRefs: ignored,
    addresses: ignored,
    wireguard: ignored,
  })
  .strict();

const blockAffinitySpec = z
  .object({
    node: z.string().min(1),
    cidr: cidrField,
    state: z.enum(['confirmed', 'pending', 'pendingDeletion']).optional(),
    // The CRD form carries `deleted` as the string "true"/"false".
    deleted: z
      .union([z.boolean(), z.enum(['true', 'false'])])
      .transform((d) => d === true || d === 'true')
      .default(false),
    type: ignored,
  })
  .strict();

export type { FilterRule as BgpFilterRule } from '../filters.js';

const bgpFilterSpec = z.object(filterRuleLists).strict().superRefine(checkRuleLists);

const metadata = z.looseObject({
  name: z.string({ error: 'every resource has metadata.name' }).min(1),
  labels: z.record(z.string(), z.string()).default({}),
});

interface Common {
  readonly name: string;
  readonly source: ResourceSource;
}
export type CalicoBgpConfiguration = Common & z.output<typeof bgpConfigurationSpec>;
export type CalicoBgpPeer = Common & z.output<typeof bgpPeerSpec>;
export type CalicoIpPool = Common & z.output<typeof ipPoolSpec>;
export type CalicoNode = Common & { readonly labels: Labels } & z.output<typeof nodeSpec>;
export type CalicoBlockAffinity = Common & z.output<typeof blockAffinitySpec>;
export type CalicoBgpFilter = Common & z.output<typeof bgpFilterSpec>;

export interface CalicoResources {
  readonly bgpConfigurations: readonly CalicoBgpConfiguration[];
  readonly bgpPeers: readonly CalicoBgpPeer[];
  readonly ipPools: readonly CalicoIpPool[];
  readonly nodes: readonly CalicoNode[];
  readonly blockAffinities: readonly CalicoBlockAffinity[];
  readonly bgpFilters: readonly CalicoBgpFilter[];
}

const KINDS = ['BGPConfiguration', 'BGPPeer', 'IPPool', 'Node', 'BlockAffinity', 'BGPFilter'] as const;

/** Checks every resource; returns the typed set, or every problem found. */
export function checkResources(raw: readonly RawResource[]): { resources: CalicoResources; errors: ConfigIssue[] } {
  const errors: ConfigIssue[] = [];
  const resources = {
    bgpConfigurations: [] as CalicoBgpConfiguration[],
    bgpPeers: [] as CalicoBgpPeer[],
    ipPools: [] as CalicoIpPool[],
    nodes: [] as CalicoNode[],
    blockAffinities: [] as CalicoBlockAffinity[],
    bgpFilters: [] as CalicoBgpFilter[],
  };
  const seen = new Map<string, ResourceSource>();
  for (const { source, value } of raw) {
    const { apiVersion, kind } = value;
    if (typeof kind !== 'string') {
      errors.push(issueAt(source, ['kind'], `every resource has a kind (${KINDS.join(', ')})`));
      continue;
    }
    if (kind === 'Secret') {
      errors.push(issueAt(source, ['kind'], 'Secrets are not read from manifests (a password in a file ends up in backups and diffs): mount them under the Calico secrets folder, see src/config/calico/index.ts'));
      continue;
    }
    if (!(API_VERSIONS as readonly unknown[]).includes(apiVersion)) {
      errors.push(issueAt(source, ['apiVersion'], `expected apiVersion ${API_VERSIONS.join(' or ')}, got ${JSON.stringify(apiVersion)}`));
      continue;
    }
    if (SKIPPED_KINDS.has(kind)) continue;
    const meta = metadata.safeParse(value['metadata'] ?? {});
    if (!meta.success) errors.push(...zodIssues(source, ['metadata'], meta.error.issues));
    /** Checks the spec against `schema` and, when it and the metadata are sound, keeps it. */
    const check = <S extends z.ZodType>(schema: S, keep: (common: Common, spec: z.output<S>) => void): void => {
      const spec = schema.safeParse(value['spec'] ?? {}, { reportInput: true });
      if (!spec.success) errors.push(...zodIssues(source, ['spec'], spec.error.issues));
      if (!meta.success || !spec.success) return;
      const id = `${kind}/${meta.data.name}`;
      const first = seen.get(id);
      if (first) {
        errors.push(issueAt(source, ['metadata', 'name'], `${id} is defined twice (first in ${first.file}, documents[${first.documentIndex}])`));
        return;
      }
      seen.set(id, source);
      keep({ name: meta.data.name, source }, spec.data);
    };
    switch (kind) {
      case 'BGPConfiguration':
        check(bgpConfigurationSpec, (common, spec) => resources.bgpConfigurations.push({ ...common, ...spec }));
        break;
      case 'BGPPeer':
        check(bgpPeerSpec, (common, spec) => resources.bgpPeers.push({ ...common, ...spec }));
        break;
      case 'IPPool':
        check(ipPoolSpec, (common, spec) => resources.ipPools.push({ ...common, ...spec }));
        break;
      case 'Node':
        check(nodeSpec, (common, spec) => resources.nodes.push({ ...common, labels: meta.data?.labels ?? {}, ...spec }));
        break;
      case 'BlockAffinity':
        check(blockAffinitySpec, (common, spec) => resources.blockAffinities.push({ ...common, ...spec }));
        break;
      case 'BGPFilter':
        check(bgpFilterSpec, (common, spec) => resources.bgpFilters.push({ ...common, ...spec }));
        break;
      default:
        errors.push(issueAt(source, ['kind'], `unknown kind "${kind}": petrel reads ${KINDS.join(', ')}`));
    }
  }
  return { resources, errors };
}

function zodIssues(source: ResourceSource, base: readonly (string | number)[], issues: readonly core.$ZodIssue[]): ConfigIssue[] {
  return issues.flatMap((issue) => {
    const path = [...base, ...issue.path.filter((seg): seg is string | number => typeof seg !== 'symbol')];
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => issueAt(source, [...path, key], `unknown field "${key}" (Calico's resource has no such field)`, true));
    }
    const message = issue.code === 'invalid_type' && issue.input === undefined ? 'required field is missing' : issue.message;
    return [issueAt(source, path, message)];
  });
}
