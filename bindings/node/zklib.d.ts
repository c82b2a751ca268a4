// SPDX-License-Identifier: Apache-2.0
// TypeScript declarations of `zkbio/zklib`: node-zklib's class (with zkteco-js's extra calls).
/// <reference types="node" />
import type { Terminal } from './index';

declare namespace ZKLib {
  /** TCP record shape; over UDP (28-byte users) password and cardno are absent and userId is a number */
  interface User {
    uid: number; role: number; password?: string; name: string; cardno?: number;
    userId: string | number;
  }
  /** TCP record shape; over UDP (16-byte records) userSn is absent and deviceUserId a number */
  interface Attendance { userSn?: number; deviceUserId: string | number; recordTime: Date; ip: string; }
  interface RealTimeLog { userId: string | number; attTime: Date; }
  interface Info { userCounts: number; logCounts: number; logCapacity: number; }
  interface Result<T> { data: T[]; err: Error | null; }
  interface SocketStatus { connected: boolean; type: 'tcp' | 'udp' | null; }
}

declare class ZKLib {
  static readonly COMMANDS: Readonly<Record<string, number>>;
  /** inport: node-zklib's local UDP port (unused); commKey: numeric comm key, 0 none */
  constructor(ip: string, port: number, timeout: number, inport?: number, commKey?: number);
  readonly ip: string;
  connectionType: 'tcp' | 'udp' | null;
  /** the native connection once createSocket() resolved */
  terminal: Terminal | null;
  interval: ReturnType<typeof setInterval> | null;
  timer: ReturnType<typeof setTimeout> | null;

  createSocket(cbErr?: (err: Error) => void, cbClose?: (type: string | null) => void): Promise<boolean>;
  connect(cbErr?: (err: Error) => void, cbClose?: (type: string | null) => void): Promise<boolean>;
  getInfo(): Promise<ZKLib.Info>;
  getUsers(): Promise<ZKLib.Result<ZKLib.User>>;
  getAttendances(cb?: (done: number, total: number) => void): Promise<ZKLib.Result<ZKLib.Attendance>>;
  getRealTimeLogs(cb: (log: ZKLib.RealTimeLog) => void): Promise<void>;
  disconnect(): Promise<boolean>;
  freeData(): Promise<Buffer>;
  disableDevice(): Promise<Buffer>;
  enableDevice(): Promise<Buffer>;
  clearAttendanceLog(): Promise<Buffer>;
  getSocketStatus(): Promise<ZKLib.SocketStatus>;
  executeCmd(command: number, data?: string | Buffer): Promise<Buffer>;
  setIntervalSchedule(cb: () => void, timer: number): void;
  setTimerSchedule(cb: () => void, timer: number): void;

  getTime(): Promise<Date>;
  setTime(time: Date | string | number): Promise<Buffer>;
  setUser(uid: number, userid: string, name: string, password: string, role?: number, cardno?: number): Promise<Buffer>;
  deleteUser(uid: number): Promise<Buffer>;
  getAttendanceSize(): Promise<number>;
  /** CMD_TESTVOICE: play voice prompt `index` (default 0) */
  voiceTest(index?: number): Promise<Buffer>;
  /** CMD_CLEAR_DATA: wipe users, templates and attendance */
  clearData(): Promise<Buffer>;
  getVendor(): Promise<string>;
  getMacAddress(): Promise<string>;
  getSerialNumber(): Promise<string>;
  getDeviceVersion(): Promise<string>;
  getDeviceName(): Promise<string>;
  getPlatform(): Promise<string>;
  getOS(): Promise<string>;
  getPIN(): Promise<string>;
  getFaceOn(): Promise<'Yes' | 'No'>;
  getSSR(): Promise<string>;
  getFirmware(): Promise<string>;
  getWorkCode(): Promise<string>;
  getProductTime(): Promise<Date>;
}

export = ZKLib;
