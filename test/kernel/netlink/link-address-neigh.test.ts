import { describe, expect, it } from 'vitest';
import { decodeAddressBody, interfaceAddress, writeAddressBody } from '../../../src/kernel/netlink/address.js';
import { IffFlag, IflaInfo, IflaType, IflaVxlan, NdaType, NtfFlag, NudState, RtmType } from '../../../src/kernel/netlink/constants.js';
import { decodeRtnetlink } from '../../../src/kernel/netlink/index.js';
import { decodeLinkBody, linkUp, vxlanDevice, writeLinkBody } from '../../../src/kernel/netlink/link.js';
import { encodeRequest, splitDatagram } from '../../../src/kernel/netlink/message.js';
import { permanentNeighbour, vxlanFdbEntry, writeNeighBody } from '../../../src/kernel/netlink/neigh.js';
import { be16, bytes, canonical, headerOf, ifindexIn, le32, loadFixture, nlmsg, rtattr } from './helpers.js';

const IFINFOMSG = 16;
const IFADDRMSG = 8;
const NDMSG = 12;

describe('links (rtnetlink(7), if_link.h)', () => {
  const vxlanCalico = (veth0: number) =>
    vxlanDevice({ name: 'vxlan.calico', vni: 4096, local: '192.0.2.10', parentIndex: veth0, port: 4789, learning: false, mtu: 1450 });

  it('decodes the vxlan create request iproute2 sends (port in network order, learning off)', () => {
    const fixture = loadFixture('link-vxlan');
    const [message] = splitDatagram(fixture.datagrams[0]!);
    expect(decodeRtnetlink(message!)).toEqual({ kind: 'link', op: 'new', seq: message!.seq, link: vxlanCalico(ifindexIn(fixture, 'veth0')) });
  });

  it('encodes a vxlan device with the same ifinfomsg and (nested) attributes as iproute2', () => {
    const fixture = loadFixture('link-vxlan');
    const captured = fixture.datagrams[0]!;
    const { type, flags, seq } = headerOf(captured);
    const ours = encodeRequest(type, flags, seq, writeLinkBody, vxlanCalico(ifindexIn(fixture, 'veth0')));
    expect(canonical(ours, IFINFOMSG, ['18', '18.2'])).toEqual(canonical(captured, IFINFOMSG, ['18', '18.2']));
  });

  it('writes the vxlan attributes at hand-computed offsets', () => {
    const ours = encodeRequest(RtmType.NEWLINK, 0x601, 1, writeLinkBody, vxlanDevice({ name: 'vx', vni: 42, local: '100.64.0.1', parentIndex: 3, port: 4789, learning: false }));
    const data = rtattr(IflaInfo.DATA, rtattr(IflaVxlan.ID, le32(42)), rtattr(IflaVxlan.LOCAL, bytes(100, 64, 0, 1)), rtattr(IflaVxlan.LINK, le32(3)), rtattr(IflaVxlan.PORT, be16(4789)), rtattr(IflaVxlan.LEARNING, bytes(0)));
    expect(ours).toEqual(
      nlmsg(RtmType.NEWLINK, 0x601, 1, 0, Buffer.alloc(16), rtattr(IflaType.IFNAME, Buffer.from('vx\0')), rtattr(IflaType.LINKINFO, rtattr(IflaInfo.KIND, Buffer.from('vxlan')), data)),
    );
    expect(ours.readUInt16BE(ours.length - 16 + 4)).toBe(4789); // the port, big-endian, whatever the host
  });

  it('encodes "ip link set dev X up" byte for byte', () => {
    const fixture = loadFixture('link-up');
    const captured = fixture.datagrams[0]!;
    const { type, flags, seq } = headerOf(captured);
    const up = linkUp(ifindexIn(fixture, 'vxlan.calico'));
    expect(up).toMatchObject({ flags: IffFlag.UP, change: IffFlag.UP });
    expect(encodeRequest(type, flags, seq, writeLinkBody, up)).toEqual(captured);
  });

  it('decodes the kernel dump of the vxlan device: name, MTU, MAC, kind and vxlan data', () => {
    const fixture = loadFixture('dump-link-vxlan');
    const links = fixture.datagrams.flatMap((d) => splitDatagram(d)).map(decodeRtnetlink).flatMap((m) => (m.kind === 'link' ? [m.link] : []));
    const vxlan = links.find((l) => l.name === 'vxlan.calico');
    expect(vxlan).toMatchObject({
      index: ifindexIn(loadFixture('link-up'), 'vxlan.calico'),
      mtu: 1450,
      kind: 'vxlan',
      vxlan: { vni: 4096, local: '192.0.2.10', link: ifindexIn(fixture, 'veth0'), port: 4789, learning: false },
    });
    expect(vxlan!.address).toMatch(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
    expect(vxlan!.flags & IffFlag.UP).toBe(IffFlag.UP);
  });

  it('decodes IFLA_INFO_DATA that precedes IFLA_INFO_KIND', () => {
    const body = Buffer.concat([Buffer.alloc(16), rtattr(IflaType.LINKINFO, rtattr(IflaInfo.DATA, rtattr(IflaVxlan.ID, le32(7))), rtattr(IflaInfo.KIND, Buffer.from('vxlan\0')))]);
    expect(decodeLinkBody(body)).toMatchObject({ kind: 'vxlan', vxlan: { vni: 7 } });
  });
});

describe('addresses (rtnetlink(7), if_addr.h)', () => {
  it('decodes and re-encodes "ip addr add 10.244.0.1/32 dev vxlan.calico" (IFA_LOCAL and IFA_ADDRESS)', () => {
    const fixture = loadFixture('address-v4');
    const captured = fixture.datagrams[0]!;
    const { type, flags, seq } = headerOf(captured);
    const expected = interfaceAddress(ifindexIn(loadFixture('link-up'), 'vxlan.calico'), 4, '10.244.0.1', 32);
    expect(decodeAddressBody(splitDatagram(captured)[0]!.payload)).toEqual(expected);
    expect(canonical(encodeRequest(type, flags, seq, writeAddressBody, expected), IFADDRMSG)).toEqual(canonical(captured, IFADDRMSG));
  });

  it('writes an IPv6 address at hand-computed offsets', () => {
    const v6 = Buffer.from('fd000000000000000000000000000001', 'hex');
    expect(encodeRequest(RtmType.NEWADDR, 1, 2, writeAddressBody, { ...interfaceAddress(7, 6, 'fd00::1', 128), label: 'x' })).toEqual(
      nlmsg(RtmType.NEWADDR, 1, 2, 0, bytes(10, 128, 0, 0), le32(7), rtattr(2, v6), rtattr(1, v6), rtattr(3, Buffer.from('x\0'))),
    );
  });
});

describe('neighbours and VXLAN FDB entries (rtnetlink(7), neighbour.h)', () => {
  const vxlanIndex = (): number => ifindexIn(loadFixture('link-up'), 'vxlan.calico');

  it('decodes and re-encodes "ip neigh replace ... nud permanent" (the VTEP ARP entry)', () => {
    const captured = loadFixture('neigh-permanent').datagrams[0]!;
    const { type, flags, seq } = headerOf(captured);
    const expected = permanentNeighbour(vxlanIndex(), '10.244.1.1', '66:77:88:99:aa:bb');
    expect(decodeRtnetlink(splitDatagram(captured)[0]!)).toMatchObject({ kind: 'neigh', op: 'new', neigh: expected });
    expect(canonical(encodeRequest(type, flags, seq, writeNeighBody, expected), NDMSG)).toEqual(canonical(captured, NDMSG));
  });

  it('decodes and re-encodes "bridge fdb replace ... dst <node> self permanent" (AF_BRIDGE, NTF_SELF)', () => {
    const captured = loadFixture('neigh-fdb').datagrams[0]!;
    const { type, flags, seq } = headerOf(captured);
    // bridge(8) also sets NUD_NOARP on permanent entries; Felix sets NUD_PERMANENT alone.
    const expected = { ...vxlanFdbEntry(vxlanIndex(), '192.0.2.20', '66:77:88:99:aa:bb'), state: NudState.PERMANENT | NudState.NOARP };
    expect(decodeRtnetlink(splitDatagram(captured)[0]!)).toMatchObject({ kind: 'neigh', neigh: expected });
    expect(canonical(encodeRequest(type, flags, seq, writeNeighBody, expected), NDMSG)).toEqual(canonical(captured, NDMSG));
  });

  it('writes an FDB entry with an IPv6 underlay address at hand-computed offsets', () => {
    const entry = vxlanFdbEntry(4, '2001:db8::20', '66:77:88:99:aa:bb');
    expect(encodeRequest(RtmType.NEWNEIGH, 0x501, 9, writeNeighBody, entry)).toEqual(
      nlmsg(RtmType.NEWNEIGH, 0x501, 9, 0, bytes(7, 0, 0, 0), le32(4), bytes(0x80, 0, NtfFlag.SELF, 0),
        rtattr(NdaType.DST, Buffer.from('20010db8000000000000000000000020', 'hex')), rtattr(NdaType.LLADDR, bytes(0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb))),
    );
  });
});
