/**
 * Runs inside the test's network namespace (`ip netns exec <ns> node --import tsx kernel-child.ts
 * <veth0 ifindex>`), since a netlink socket belongs to the namespace of the process that opens it.
 * Sends batches built by the codec through petrel's native netlink socket and prints one JSON line
 * with what the kernel answered and what a dump then showed.
 */
import { ADDRESS_ADD_FLAGS, interfaceAddress, writeAddressBody } from '../../../src/kernel/netlink/address.js';
import { RequestBatch, type SealedBatch } from '../../../src/kernel/netlink/batch.js';
import { NetlinkWriter } from '../../../src/kernel/netlink/bytes.js';
import { NlmsgType, RtmType } from '../../../src/kernel/netlink/constants.js';
import { LINK_CHANGE_FLAGS, LINK_CREATE_FLAGS, decodeLinkBody, linkDump, linkUp, vxlanDevice, writeLinkBody } from '../../../src/kernel/netlink/link.js';
import { type DumpSpec, type NetlinkMessage, splitDatagram, writeDumpRequest } from '../../../src/kernel/netlink/message.js';
import { NEIGH_REPLACE_FLAGS, permanentNeighbour, vxlanFdbEntry, writeNeighBody } from '../../../src/kernel/netlink/neigh.js';
import {
  ROUTE_DELETE_FLAGS,
  ROUTE_REPLACE_FLAGS,
  type RouteMessage,
  decodeRouteBody,
  routeDeletion,
  routeDump,
  writeRouteBody,
} from '../../../src/kernel/netlink/route.js';
import { NetlinkSocket } from '../../../src/native/index.js';

const veth0 = Number(process.argv[2]);
const ROUTES = 2000;

/** Sends a sealed batch and resolves once the barrier is ACKed. */
function send<K>(socket: NetlinkSocket, sealed: SealedBatch<K>): Promise<SealedBatch<K>> {
  return new Promise((resolve, reject) => {
    const onMessage = (datagram: Buffer): void => {
      if (!splitDatagram(datagram).some((m) => sealed.replies.accept(m))) return;
      socket.off('message', onMessage);
      resolve(sealed);
    };
    socket.on('message', onMessage);
    socket.once('error', reject);
    for (const d of sealed.datagrams) socket.send(d);
  });
}

function dump(socket: NetlinkSocket, seq: number, spec: DumpSpec): Promise<NetlinkMessage[]> {
  return new Promise((resolve, reject) => {
    const parts: NetlinkMessage[] = [];
    const onMessage = (datagram: Buffer): void => {
      for (const m of splitDatagram(datagram)) {
        if (m.seq !== seq) continue;
        if (m.type !== NlmsgType.DONE) parts.push(m);
        else {
          socket.off('message', onMessage);
          resolve(parts);
        }
      }
    };
    socket.on('message', onMessage);
    socket.once('error', reject);
    const w = new NetlinkWriter();
    writeDumpRequest(w, seq, spec);
    socket.send(w.finish());
  });
}

function viaVeth(dst: string): RouteMessage {
  return { family: 4, dst, table: 254, protocol: 12, scope: 0, type: 1, flags: 4, gateway: '192.0.2.254', oif: veth0 };
}

const socket = new NetlinkSocket({ extendedAck: true, receiveBufferBytes: 4 << 20 });

// Routes: many upserts, three requests that must fail, an ECMP route and an IPv6 blackhole.
const routes = new RequestBatch<string>({ firstSeq: 100, maxDatagramBytes: 32 * 1024 });
for (let i = 0; i < ROUTES; i++) routes.add(`r${i}`, RtmType.NEWROUTE, ROUTE_REPLACE_FLAGS, writeRouteBody, viaVeth(`10.${i >> 8}.${i & 255}.0/24`));
routes.add('host-bits', RtmType.NEWROUTE, ROUTE_REPLACE_FLAGS, writeRouteBody, viaVeth('10.200.0.1/24'));
routes.add('no-device', RtmType.NEWROUTE, ROUTE_REPLACE_FLAGS, writeRouteBody, { ...viaVeth('10.201.0.0/24'), oif: 9999 });
routes.add('missing', RtmType.DELROUTE, ROUTE_DELETE_FLAGS, writeRouteBody, routeDeletion(viaVeth('10.202.0.0/24')));
routes.add('ecmp', RtmType.NEWROUTE, ROUTE_REPLACE_FLAGS, writeRouteBody, {
  family: 4, dst: '10.203.0.0/26', table: 254, protocol: 12, scope: 0, type: 1, flags: 0,
  multipath: [{ gateway: '192.0.2.1', ifindex: veth0, flags: 4, weight: 1 }, { gateway: '192.0.2.2', ifindex: veth0, flags: 4, weight: 2 }],
});
routes.add('v6-blackhole', RtmType.NEWROUTE, ROUTE_REPLACE_FLAGS, writeRouteBody, { family: 6, dst: '2001:db8:5::/48', table: 1000, protocol: 12, scope: 0, type: 6, flags: 0 });
const added = await send(socket, routes.finish());

// Withdraw every other route again.
const deletes = new RequestBatch<string>({ firstSeq: added.nextSeq });
for (let i = 0; i < ROUTES; i += 2) deletes.add(`r${i}`, RtmType.DELROUTE, ROUTE_DELETE_FLAGS, writeRouteBody, routeDeletion(viaVeth(`10.${i >> 8}.${i & 255}.0/24`)));
const deleted = await send(socket, deletes.finish());

// Calico's VXLAN data plane: the device, then up, its VTEP address, the ARP and FDB entries.
const create = new RequestBatch<string>({ firstSeq: deleted.nextSeq });
create.add('create', RtmType.NEWLINK, LINK_CREATE_FLAGS, writeLinkBody, vxlanDevice({ name: 'vxlan.calico', vni: 4096, local: '192.0.2.10', parentIndex: veth0, port: 4789, learning: false, mtu: 1450 }));
const created = await send(socket, create.finish());
const device = (await dump(socket, 7, linkDump())).map((m) => decodeLinkBody(m.payload)).find((l) => l.name === 'vxlan.calico')!;
const vxlan = new RequestBatch<string>({ firstSeq: created.nextSeq });
vxlan.add('up', RtmType.NEWLINK, LINK_CHANGE_FLAGS, writeLinkBody, linkUp(device.index));
vxlan.add('address', RtmType.NEWADDR, ADDRESS_ADD_FLAGS, writeAddressBody, interfaceAddress(device.index, 4, '10.244.0.1', 32));
vxlan.add('arp', RtmType.NEWNEIGH, NEIGH_REPLACE_FLAGS, writeNeighBody, permanentNeighbour(device.index, '10.244.1.1', '66:77:88:99:aa:bb'));
vxlan.add('fdb', RtmType.NEWNEIGH, NEIGH_REPLACE_FLAGS, writeNeighBody, vxlanFdbEntry(device.index, '192.0.2.20', '66:77:88:99:aa:bb'));
const programmed = await send(socket, vxlan.finish());

const ours = (await dump(socket, 8, routeDump(0))).map((m) => decodeRouteBody(m.payload)).filter((r) => r.protocol === 12);
socket.close();
process.stdout.write(
  `${JSON.stringify({
    datagrams: added.datagrams.length,
    routeFailures: added.replies.failures,
    routeSucceeded: added.replies.succeeded().length,
    deleteFailures: deleted.replies.failures,
    vxlanFailures: [...created.replies.failures, ...programmed.replies.failures],
    device,
    ourRoutes: ours.length,
    ecmp: ours.find((r) => r.dst === '10.203.0.0/26'),
    v6: ours.find((r) => r.family === 6),
    sample: ours.find((r) => r.dst === '10.0.1.0/24'),
  })}\n`,
);
