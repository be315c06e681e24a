// A pino logger whose JSON lines the test reads back (level info and up).
import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { Logger } from '../../src/log.js';

export interface LogLine {
  readonly level: number;
  readonly msg: string;
  readonly [field: string]: unknown;
}

export const LEVEL = { info: 30, warn: 40, error: 50 } as const;

export class LogCapture {
  readonly lines: LogLine[] = [];
  readonly logger: Logger;

  constructor() {
    const sink = new Writable({
      write: (chunk: Buffer, _encoding, done) => {
        for (const text of chunk.toString('utf8').split('\n')) if (text !== '') this.lines.push(JSON.parse(text) as LogLine);
        done();
      },
    });
    this.logger = pino({ level: 'info' }, sink);
  }

  at(level: number): LogLine[] {
    return this.lines.filter((l) => l.level === level);
  }

  messages(level: number): string[] {
    return this.at(level).map((l) => l.msg);
  }
}
