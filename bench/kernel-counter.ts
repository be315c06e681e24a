/**
 * The route-notification listener of bench/kernel-child.ts, as a process of its own: it counts
 * RTM_NEWROUTE/DELROUTE notifications of protocol 12 in the main table and prints
 * `<added> <removed> <overflowed 0|1>` on stdout, at most once per turn of its event loop, after
 * a first line once it is subscribed. It exits when its stdin closes.
 *
 * Why a process: BIRD's run needs a listener to see its end, and petrel's and the floor's runs
 * keep the same listener so the kernel's per-listener work (a clone and a queued datagram per
 * route change) is alike in all three. In BIRD's run that listener reads in a process of its own;
 * on petrel's thread it would add 100,000 reads and copies to petrel's time that no daemon pays.
 * Run by kernel-child.ts inside the bench namespace (a child inherits its namespace).
 */
import { RtmType, RtnlGroup, splitDatagram } from '../src/kernel/netlink/index.js';
import { NetlinkSocket } from '../src/native/index.js';

const PROTOCOL = 12;
const MAIN = 254;

let added = 0;
let removed = 0;
let overflowed = false;
let printQueued = false;

function print(): void {
  printQueued = false;
  process.stdout.write(`${added} ${removed} ${overflowed ? 1 : 0}\n`);
}

function changed(): void {
  if (printQueued) return;
  printQueued = true;
  setImmediate(print);
}

const socket = new NetlinkSocket({ groups: [RtnlGroup.IPV4_ROUTE], receiveBufferBytes: 256 << 20 });
socket.on('message', (datagram) => {
  for (const m of splitDatagram(datagram)) {
    // rtmsg: rtm_table at 4, rtm_protocol at 5.
    if (m.payload[5] !== PROTOCOL || m.payload[4] !== MAIN) continue;
    if (m.type === RtmType.NEWROUTE) added++;
    else if (m.type === RtmType.DELROUTE) removed++;
  }
  changed();
});
socket.on('error', () => {
  overflowed = true;
  changed();
});
process.stdin.on('end', () => socket.close()).resume();
print();
