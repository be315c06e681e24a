/**
 * `show status` as BIRD 1.6 prints it (nest/cmds.c `cmd_show_status`), with the `0024` block
 * of nest/proto.c `graceful_restart_show_status` while startup recovery lasts. calico-node reads
 * `BIRD v…` (version), `Router ID is`, `Current server time is`, `Last reboot on`, `Last
 * reconfiguration on`, stops at `0013`, and takes `0024` as "graceful restart in progress".
 */
import { finalLine, line, ReplyCode, type ReplyLine } from './reply.js';
import type { BirdCliSource } from './source.js';
import { formatDateTime } from './time.js';

/**
 * What petrel calls itself where BIRD prints `BIRD <version>`: calico-node's status populator
 * records the version only from a `BIRD v…` line (Calico's own build says `v0.3.3+birdv1.6.8`).
 */
export function birdVersion(petrelVersion: string): string {
  return `v${petrelVersion}+petrel`;
}

export function showStatus(source: BirdCliSource): ReplyLine[] {
  const status = source.status();
  const out: ReplyLine[] = [
    line(ReplyCode.BIRD_VERSION, `BIRD ${birdVersion(status.version)}`),
    line(ReplyCode.UPTIME, `Router ID is ${status.routerId}`),
    line(ReplyCode.UPTIME, `Current server time is ${formatDateTime(source.now())}`),
    line(ReplyCode.UPTIME, `Last reboot on ${formatDateTime(status.startedAt)}`),
    line(ReplyCode.UPTIME, `Last reconfiguration on ${formatDateTime(status.lastReconfiguration)}`),
  ];
  const recovery = source.recovery();
  if (recovery) {
    out.push(
      line(ReplyCode.GRACEFUL_RESTART_STATUS, 'Graceful restart recovery in progress'),
      line(ReplyCode.GRACEFUL_RESTART_STATUS, `  Waiting for ${recovery.waiting} protocols to recover`),
      line(ReplyCode.GRACEFUL_RESTART_STATUS, `  Wait timer is ${recovery.remainingSec}/${recovery.waitSec}`),
    );
  }
  out.push(finalLine(ReplyCode.STATUS_REPORT, 'Daemon is up and running'));
  return out;
}
