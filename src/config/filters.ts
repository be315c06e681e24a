/**
 * Route filters, the shape of Calico's BGPFilter (CALICO.md §1.7, §2): named lists of rules per
 * direction and family (`exportV4`, `importV4`, `exportV6`, `importV6`), referenced in order by
 * peers. The same rule schema serves petrel's own `filters:` key and BGPFilter resources, so a
 * BGPFilter maps onto the config one to one.
 *
 * A rule is `action` plus conditions, all of which must hold (confd joins them with `&&`):
 * `cidr` + `matchOperator` (+ `prefixLength` for In/NotIn), `source: RemotePeers`, `interface`
 * (a BIRD glob), `peerType`, and (Calico v3.32) `communities`, `asPathPrefix`, `priority`. A rule
 * without conditions always applies. An Accept rule may carry `operations` (v3.32:
 * `addCommunity`, `prependASPath`, `setPriority`), applied in order before the route is accepted.
 * Rules run top-down across the peer's filters; the first that matches decides; none matching
 * falls through to Calico's normal policy (import: accept; export: `calico_export_to_bgp_peers`).
 *
 * Limits as Calico's API sets them (`api/pkg/apis/projectcalico/v3/bgpfilter.go`): one community
 * value per match, priorities 1..2147483646, 1..10 operations, each with exactly one field, only
 * on Accept rules, and 1..10 AS numbers per prepend.
 */
import { z } from 'zod';
import { cidrField, communityField, MAX_U32, routePriorityField } from './fields.js';
import { mustParsePrefix } from './prefixes.js';

export const FilterAction = { ACCEPT: 'Accept', REJECT: 'Reject' } as const;
export type FilterAction = (typeof FilterAction)[keyof typeof FilterAction];

export const MatchOperator = { EQUAL: 'Equal', NOT_EQUAL: 'NotEqual', IN: 'In', NOT_IN: 'NotIn' } as const;
export type MatchOperator = (typeof MatchOperator)[keyof typeof MatchOperator];

export const FILTER_RULE_LISTS = [
  ['exportV4', 4],
  ['importV4', 4],
  ['exportV6', 6],
  ['importV6', 6],
] as const;
export type FilterRuleList = (typeof FILTER_RULE_LISTS)[number][0];

/**
 * An AS number as Calico's `numorstring.ASNumber` takes it: a number, or a string in plain
 * (`"65000"`) or asdot (`"1.10"`, RFC 5396) form.
 */
export const filterAsnField = z
  .union([z.number(), z.string()], { error: 'expected an AS number such as 65000 or "1.10"' })
  .transform((value, ctx) => {
    let asn = typeof value === 'number' ? value : Number.NaN;
    if (typeof value === 'string') {
      const dot = /^([0-9]{1,5})\.([0-9]{1,5})$/.exec(value);
      if (dot) asn = Number(dot[1]) <= 0xffff && Number(dot[2]) <= 0xffff ? Number(dot[1]) * 65536 + Number(dot[2]) : Number.NaN;
      else if (/^[0-9]{1,10}$/.test(value)) asn = Number(value);
    }
    if (!Number.isInteger(asn) || asn < 1 || asn > MAX_U32) {
      ctx.issues.push({ code: 'custom', input: value, message: `${JSON.stringify(value)} is not an AS number: 1..4294967295, or asdot "a.b" (RFC 5396)` });
      return z.NEVER;
    }
    return asn;
  })
  .meta({ title: 'AS number' });

/** One of a rule's operations: exactly one field set (Calico's `BGPFilterOperation` union). */
export const filterOperationSchema = z
  .object({
    addCommunity: z
      .object({ value: communityField.describe('The community: a:b (RFC 1997) or a:b:c (large, RFC 8092).') })
      .strict()
      .optional()
      .describe('Add a community to the route (BIRD `bgp_community.add` / `bgp_large_community.add`).'),
    prependASPath: z
      .object({ prefix: z.array(filterAsnField).min(1).max(10).describe('AS numbers, in the order the path then starts with.') })
      .strict()
      .optional()
      .describe('Put these AS numbers in front of the AS_PATH (BIRD `bgp_path.prepend`); on export our own AS still goes first to eBGP peers.'),
    setPriority: z
      .object({ value: routePriorityField.describe('The priority (BIRD `krt_metric`).') })
      .strict()
      .optional()
      .describe('Set the route\u2019s priority (BIRD `krt_metric`). On import it is kept with the route (an iBGP peer is sent LOCAL_PREF 2147483647 \u2212 priority when the route has none); on export it changes nothing sent, as in Calico, whose LOCAL_PREF was fixed before the filter ran.'),
  })
  .strict()
  .superRefine((op, ctx) => {
    const set = [op.addCommunity, op.prependASPath, op.setPriority].filter((x) => x !== undefined).length;
    if (set !== 1) ctx.addIssue({ code: 'custom', path: [], message: `an operation sets exactly one of addCommunity, prependASPath, setPriority (${set} set)` });
  });
export type FilterOperation = z.output<typeof filterOperationSchema>;

export const filterRuleSchema = z
  .object({
    action: z.enum([FilterAction.ACCEPT, FilterAction.REJECT]).describe('What a matching route gets: Accept or Reject.'),
    matchOperator: z
      .enum([MatchOperator.EQUAL, MatchOperator.NOT_EQUAL, MatchOperator.IN, MatchOperator.NOT_IN])
      .optional()
      .describe('How the route\u2019s prefix compares with cidr: Equal (is it), NotEqual, In (inside it or equal, BIRD `net ~`), NotIn. Goes with cidr.'),
    cidr: cidrField.optional().describe('Prefix the route is compared with (matchOperator); of the list\u2019s family.'),
    prefixLength: z
      .object({
        min: z.number().int().min(0).max(128).optional().describe('Shortest prefix length that matches; default the cidr\u2019s own length.'),
        max: z.number().int().min(0).max(128).optional().describe('Longest prefix length that matches; default 32 (IPv4) or 128 (IPv6).'),
      })
      .strict()
      .optional()
      .describe('With In/NotIn: only prefixes of these lengths are "in" the cidr (BIRD `[cidr{min,max}]`).'),
    source: z.enum(['RemotePeers']).optional().describe('RemotePeers: only routes learned from BGP peers, not ones this node originates (BIRD `source ~ [RTS_BGP]`).'),
    interface: z.string().min(1).optional().describe('Only routes whose interface matches this BIRD glob (`*`, `?`), e.g. kernel routes on `eth*`.'),
    peerType: z.enum(['eBGP', 'iBGP']).optional().describe('Only on eBGP or only on iBGP sessions (Calico v3.32).'),
    communities: z
      .object({
        values: z
          .array(communityField)
          .min(1, 'give one community')
          .max(1, 'Calico matches one community per rule: use a rule per community')
          .describe('The community the route must carry: a:b (RFC 1997) or a:b:c (large, RFC 8092); one value, as Calico allows.'),
      })
      .strict()
      .optional()
      .describe('Only routes carrying this community (BIRD `(a,b) ~ bgp_community`, v3.32).'),
    asPathPrefix: z
      .array(filterAsnField)
      .min(1)
      .optional()
      .describe('Only routes whose AS_PATH starts with these AS numbers, in order (BIRD `bgp_path.first` / `[= a b * =]`, v3.32); our own AS is not yet on the path.'),
    priority: routePriorityField
      .optional()
      .describe('Only routes of this priority (BIRD `krt_metric`, v3.32). On export: 2147483647 \u2212 LOCAL_PREF for a BGP route carrying one, else the kernel route\u2019s metric or the priority an import rule set, else 1024. A received route has none, so on import this never matches, as in Calico.'),
    operations: z
      .array(filterOperationSchema)
      .min(1)
      .max(10)
      .optional()
      .describe('Changes made, in order, to a route this Accept rule matches before it is accepted (v3.32).'),
  })
  .strict()
  .superRefine((rule, ctx) => {
    if ((rule.cidr === undefined) !== (rule.matchOperator === undefined)) {
      ctx.addIssue({ code: 'custom', path: [rule.cidr === undefined ? 'cidr' : 'matchOperator'], message: 'cidr and matchOperator go together' });
    }
    if (rule.prefixLength !== undefined && rule.cidr === undefined) {
      ctx.addIssue({ code: 'custom', path: ['prefixLength'], message: 'prefixLength refines a cidr match: set cidr and matchOperator' });
    }
    // confd writes `net = [ cidr{a,b} ]`, a comparison BIRD refuses at run time: say so now.
    if (rule.operations !== undefined && rule.action !== FilterAction.ACCEPT) {
      ctx.addIssue({ code: 'custom', path: ['operations'], message: 'operations may only be used with action Accept' });
    }
    if (rule.prefixLength !== undefined && (rule.matchOperator === MatchOperator.EQUAL || rule.matchOperator === MatchOperator.NOT_EQUAL)) {
      ctx.addIssue({ code: 'custom', path: ['prefixLength'], message: 'prefixLength goes with matchOperator In or NotIn; Equal and NotEqual compare the whole prefix' });
    }
  });
export type FilterRule = z.output<typeof filterRuleSchema>;

const ruleList = (what: string) => z.array(filterRuleSchema).default([]).describe(what);

/** The four rule lists, each checked against its family and prefix lengths. */
export const filterRuleLists = {
  exportV4: ruleList('Rules for IPv4 routes sent to the peer, before Calico\u2019s export policy.'),
  importV4: ruleList('Rules for IPv4 routes received from the peer; a rejected route is kept flagged import-rejected.'),
  exportV6: ruleList('Rules for IPv6 routes sent to the peer.'),
  importV6: ruleList('Rules for IPv6 routes received from the peer.'),
};

type RuleLists = { readonly [K in FilterRuleList]: readonly FilterRule[] };

/** Each list's CIDRs are of its family, and prefix lengths lie between the cidr's and the family's. */
export function checkRuleLists(lists: RuleLists, ctx: z.RefinementCtx): void {
  for (const [key, family] of FILTER_RULE_LISTS) {
    const bits = family === 4 ? 32 : 128;
    lists[key].forEach((rule, i) => {
      if (rule.cidr !== undefined && mustParsePrefix(rule.cidr).family !== family) {
        ctx.addIssue({ code: 'custom', path: [key, i, 'cidr'], message: `${key} rules match IPv${family} prefixes: ${rule.cidr} is not one` });
        return;
      }
      const { min, max } = rule.prefixLength ?? {};
      const cidrLength = rule.cidr === undefined ? 0 : mustParsePrefix(rule.cidr).length;
      for (const [name, value] of [['min', min], ['max', max]] as const) {
        if (value !== undefined && (value > bits || value < cidrLength)) {
          ctx.addIssue({ code: 'custom', path: [key, i, 'prefixLength', name], message: `prefix lengths here are ${cidrLength}..${bits}` });
        }
      }
      if (min !== undefined && max !== undefined && min > max) {
        ctx.addIssue({ code: 'custom', path: [key, i, 'prefixLength'], message: `min ${min} is above max ${max}` });
      }
    });
  }
}

/** A named filter in petrel's config (`filters[]`), as a BGPFilter's spec. */
export const filterSchema = z
  .object({
    name: z.string().min(1).describe('The filter\u2019s name, as peers[].filters refers to it (a BGPFilter\u2019s metadata.name).'),
    ...filterRuleLists,
  })
  .strict()
  .superRefine(checkRuleLists);
export type FilterConfig = z.output<typeof filterSchema>;
