/**
 * The harness reads RFC 4456 ORIGINATOR_ID and CLUSTER_LIST out of each daemon's own output
 * (captured from a BIRD 2 reflector's clients), and leaves them out where a route has none.
 */
import { describe, expect, it } from 'vitest';
import { parseBirdRoutes } from './bird.js';
import { parseFrrPrefixDetail } from './frr.js';
import { parseGobgpRib } from './gobgp.js';

const BIRD_SHOW_ROUTE_ALL = [
  'BIRD 2.0.12 ready.',
  'Table master4:',
  '10.244.3.0/26        unicast [peer_10_0_0_1 10:09:30.446 from 10.0.0.1] * (100) [i]',
  '\tvia 10.0.0.3 on eth0',
  '\tType: BGP univ',
  '\tBGP.origin: IGP',
  '\tBGP.as_path: ',
  '\tBGP.next_hop: 10.0.0.3',
  '\tBGP.local_pref: 100',
  '\tBGP.community: (64512,3)',
  '\tBGP.originator_id: 10.1.0.3',
  '\tBGP.cluster_list: 244.0.0.1 244.0.0.9',
  '10.244.2.0/26        blackhole [originate4 10:09:22.276] * (200)',
  '\tType: static univ',
  '\tBGP.community: (64512,2)',
  '',
].join('\n');

const GOBGP_RIB =
  '{"10.244.2.0/26":[{"nlri":{"prefix":"10.244.2.0/26"},"best":true,"attrs":[{"type":1,"value":0},{"type":2,"as_paths":[]},' +
  '{"type":3,"nexthop":"10.0.0.2"},{"type":5,"value":100},{"type":8,"communities":[4227858434]},{"type":9,"value":"10.1.0.2"},' +
  '{"type":10,"value":["244.0.0.1"]}],"stale":false,"source-id":"10.1.0.1","neighbor-ip":"10.0.0.1"}],' +
  '"10.244.3.0/26":[{"nlri":{"prefix":"10.244.3.0/26"},"best":true,"attrs":[{"type":1,"value":0},{"type":8,"communities":[4227858435]},' +
  '{"type":3,"nexthop":"0.0.0.0"}],"stale":false}]}';

const FRR_PREFIX_DETAIL = JSON.stringify({
  prefix: '10.244.2.0/26',
  paths: [
    {
      aspath: { string: 'Local', segments: [], length: 0 },
      origin: 'IGP',
      locPrf: 100,
      community: { string: '64512:2', list: ['64512:2'] },
      originatorId: '10.1.0.2',
      clusterList: { list: ['244.0.0.1'] },
      nexthops: [{ ip: '10.0.0.2', afi: 'ipv4', metric: 0, accessible: true, used: true }],
      peer: { peerId: '10.0.0.1', routerId: '10.1.0.1', type: 'internal' },
    },
  ],
});

describe('RFC 4456 attributes in the daemons output', () => {
  it('BIRD: originator_id and cluster_list in order, nothing on an originated route', () => {
    const [reflected, own] = parseBirdRoutes(BIRD_SHOW_ROUTE_ALL, new Map([['peer_10_0_0_1', '10.0.0.1']]));
    expect(reflected).toMatchObject({ prefix: '10.244.3.0/26', nextHop: '10.0.0.3', fromNeighbor: '10.0.0.1', originatorId: '10.1.0.3', clusterList: ['244.0.0.1', '244.0.0.9'] });
    expect(own).toEqual({ prefix: '10.244.2.0/26', nextHop: '', asPath: [], communities: ['64512:2'], largeCommunities: [] });
  });

  it('GoBGP: attribute types 9 and 10, nothing on a locally added route', () => {
    const routes = parseGobgpRib(GOBGP_RIB);
    expect(routes.find((r) => r.prefix === '10.244.2.0/26')).toMatchObject({ nextHop: '10.0.0.2', communities: ['64512:2'], originatorId: '10.1.0.2', clusterList: ['244.0.0.1'] });
    const own = routes.find((r) => r.prefix === '10.244.3.0/26');
    expect(own).toBeDefined();
    expect(own).not.toHaveProperty('originatorId');
    expect(own).not.toHaveProperty('clusterList');
  });

  it('FRR: originatorId and clusterList.list of the prefix detail', () => {
    expect(parseFrrPrefixDetail(FRR_PREFIX_DETAIL)).toEqual([
      {
        prefix: '10.244.2.0/26',
        nextHop: '10.0.0.2',
        asPath: [],
        communities: ['64512:2'],
        largeCommunities: [],
        localPref: 100,
        fromNeighbor: '10.0.0.1',
        originatorId: '10.1.0.2',
        clusterList: ['244.0.0.1'],
      },
    ]);
  });
});
