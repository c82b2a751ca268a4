// SPDX-License-Identifier: Apache-2.0
// TypeScript declarations of `zkbio` (index.js): the native, camelCase API over libzkbio.
/// <reference types="node" />

/** libzkbio's version string, e.g. "0.3.0". */
export declare const version: string;
/** Path (or OS name) of the libzkbio that was loaded. */
export declare const libraryPath: string;
/** Every error code by name without the ZKBIO_ prefix: {EINVAL: -1, ...}. */
export declare const errors: Readonly<Record<string, number>>;

/** The one error class: a failed libzkbio call. */
export declare class ZKBioError extends Error {
  /** negative zkbio_error code, e.g. -8 */
  readonly code: number;
  /** symbolic name, e.g. "ZKBIO_ETIMEDOUT" */
  readonly name: string;
  /** the handle's own detail ("" when none) */
  readonly detail: string;
  /** zkbio/zklib only: the command that failed, e.g. "[TCP] getUsers" */
  command?: string;
  /** zkbio/zklib only: the terminal's address */
  ip?: string;
  /** extract*() with ZKBIO_ELOWQUALITY: the image quality 0..100 */
  quality?: number;
  /** extract*() with ZKBIO_ELOWQUALITY: why it is unusable ("blank", "small area", ...) */
  reason?: string;
  /** extractReport*() with ZKBIO_ELOWQUALITY: the capture report (its retake is never 'none') */
  report?: CaptureReport;
  constructor(code: number, detail?: string, op?: string);
}

/** Event kinds of Terminal.events() (ZKBIO_ZK_EF_*); OR them into a mask. */
export declare const EVENT: Readonly<{
  ATTLOG: 0x001; FINGER: 0x002; ENROLLUSER: 0x004; ENROLLFINGER: 0x008; BUTTON: 0x010;
  UNLOCK: 0x020; VERIFY: 0x080; FPFTR: 0x100; ALARM: 0x200;
}>;

export interface TerminalOptions {
  /** default 4370 */
  port?: number;
  /** default 'auto' (TCP, UDP when TCP is refused) */
  transport?: 'auto' | 'tcp' | 'udp';
  /** numeric comm key, 0 none */
  commKey?: number;
  /** ms per exchange, 0 = 5000 */
  timeout?: number;
  /** chunk re-requests in bulk reads, 0 = 3, negative none */
  retries?: number;
  /** device codepage of names, default UTF-8 */
  charset?: string;
}

export interface TerminalSizes {
  users: number; fingers: number; records: number; oplogs: number; admins: number;
  passwords: number; fingersCap: number; usersCap: number; recordsCap: number;
  fingersAv: number; usersAv: number; recordsAv: number; faces: number; facesCap: number;
}

export interface TerminalInfo {
  serial: string; model: string; firmware: string; platform: string; mac: string;
  vendor: string; fpVersion: string; pinWidth: number; sizes: TerminalSizes;
}

export interface TerminalUser {
  uid: number; privilege: number; password: string; name: string; card: number; group: number;
  userId: string;
}

export interface TerminalUserInput {
  /** 1..65535 */
  uid: number;
  /** PIN, default String(uid) */
  userId?: string;
  name?: string; password?: string; privilege?: number; card?: number;
  /** default 1 */
  group?: number;
}

export interface TerminalTemplate { uid: number; fid: number; flag: number; data: Buffer; }

export interface AttendanceRecord {
  uid: number; userId: string; verify: number; state: number; time: Date; workcode: number;
}

export interface TerminalEvent {
  /** one EVENT value */
  flag: number;
  userId: string; verify: number; state: number;
  /** ATTLOG: the punch time; null otherwise */
  time: Date | null;
  userSn: number; result: number; size: number; fid: number; score: number; value: number;
}

export interface EventOptions {
  /** EVENT bits, default ATTLOG */
  mask?: number;
  /** ms between socket drains, default 100 */
  intervalMs?: number;
  /** the error that stopped the loop (connection lost) */
  onError?: (err: Error) => void;
}

/** A 4370 connection; calls of one Terminal run in order on koffi's worker threads. */
export declare class Terminal {
  private constructor();
  static open(host: string, options?: TerminalOptions): Promise<Terminal>;
  readonly host: string;
  readonly port: number;
  /** 'tcp' or 'udp'; null once closed */
  readonly transport: 'tcp' | 'udp' | null;
  readonly isOpen: boolean;
  info(): Promise<TerminalInfo>;
  option(name: string): Promise<string>;
  setOption(name: string, value: string | number): Promise<void>;
  time(): Promise<Date>;
  setTime(date: Date): Promise<void>;
  users(): Promise<TerminalUser[]>;
  setUser(user: TerminalUserInput): Promise<void>;
  deleteUser(uid: number): Promise<void>;
  templates(): Promise<TerminalTemplate[]>;
  template(uid: number, fid: number): Promise<Buffer>;
  setTemplate(uid: number, fid: number, data: Uint8Array, flag?: number): Promise<void>;
  deleteTemplate(uid: number, fid: number): Promise<void>;
  attendance(since?: Date): Promise<AttendanceRecord[]>;
  /** remote enrollment of finger fid (0..9) of the user with PIN userId */
  enroll(userId: string, fid: number, timeoutMs?: number): Promise<void>;
  clearAttendance(): Promise<void>;
  /** one command without bulk transfer: the answer code (2000 ACK_OK, ...) and data */
  command(cmd: number, data?: Uint8Array | string): Promise<{ code: number; data: Buffer }>;
  /** open the door for `seconds` (default 3) */
  unlock(seconds?: number): Promise<void>;
  restart(): Promise<void>;
  powerOff(): Promise<void>;
  enable(): Promise<void>;
  disable(): Promise<void>;
  refresh(): Promise<void>;
  events(cb: (event: TerminalEvent) => void, options?: EventOptions): Promise<void>;
  stopEvents(): Promise<void>;
  close(): Promise<void>;
}

export interface ImageInfo { width: number; height: number; stride: number; dpi: number; }

export interface PixelsInput {
  width: number; height: number;
  /** 8-bit grey, 0 = black ridge, height * stride bytes (copied) */
  pixels: Uint8Array;
  /** default width */
  stride?: number;
  /** default 500 */
  dpi?: number;
}

/** A grey-scale fingerprint image owned by libzkbio. */
export declare class Image {
  private constructor();
  static fromPixels(input: PixelsInput): Image;
  /** PNG, TIFF, PGM, ... through libzkbio-imageio, read on a worker thread */
  static load(path: string, dpi?: number): Promise<Image>;
  static fromFile(bytes: Uint8Array, dpi?: number): Image;
  readonly info: ImageInfo;
  /** a copy of the pixels */
  readonly pixels: Buffer;
  close(): void;
}

export interface TemplateInfo {
  width: number; height: number; xres: number; yres: number; fingerPosition: number;
  impressionType: number; fingerQuality: number; minutiae: number; views: number;
}

/** A fingerprint template owned by libzkbio. */
export declare class Template {
  private constructor();
  static fromBytes(bytes: Uint8Array, format?: 'iso' | 'ansi' | 'native' | 'any'): Template;
  readonly info: TemplateInfo;
  /** image quality 0..100 of an extracted template */
  quality?: number;
  toIso(): Buffer;
  toAnsi(): Buffer;
  toNative(): Buffer;
  clone(): Template;
  close(): void;
}

export declare function extract(image: Image | PixelsInput): Template;
export declare function extractAsync(image: Image | PixelsInput): Promise<Template>;

/**
 * Why to retake a capture (quality.h zkbio_retake_name): 'none' when the capture is fine;
 * 'unknown' for a code this list does not have.
 */
export type RetakeReason = 'none' | 'too_dry' | 'too_wet' | 'too_small' | 'off_centre' | 'moved' |
  'low_contrast' | 'no_finger' | 'unknown';

/** What the capture quality check found (quality.h zkbio_capture_report). */
export interface CaptureReport {
  /** the main reason to retake; 'none' when fine */
  retake: RetakeReason;
  /** a short English instruction for the user ("The finger is too dry: ...") */
  message: string;
  /** retake === 'none' */
  ok: boolean;
  /** 0 (useless) .. 100, the template's quality; below 25 there is always a reason */
  quality: number;
  /** every reason found, in code order */
  reasons: RetakeReason[];
  /** the signal nearest its limit, even below it; 'none' for a blank frame */
  worst: RetakeReason;
  /** 0..100, ridge lightness (too dry above 74) */
  dryness: number;
  /** 0..100, how dark the valleys are next to the ridges (too wet above 45) */
  wetness: number;
  /** 0..100, valley minus ridge grey as % of 255 (low contrast below 10) */
  contrast: number;
  /** 0..100, how much ridge clarity depends on direction (moved above 79) */
  smear: number;
  /** 0..100, % of the print's outline on the frame's edge (off-centre above 45) */
  edgeCut: number;
  /** the print's area, px at 500 dpi (too small below 30,000) */
  foreground: number;
  /** the print's centroid minus the frame centre, px at 500 dpi, right + (off-centre beyond 22 % of the width) */
  offsetX: number;
  /** the same, down + (off-centre beyond 22 % of the height) */
  offsetY: number;
}

export interface ExtractReportResult { template: Template; report: CaptureReport; }

/**
 * extract() with a capture quality report. An unusable image throws ZKBioError ZKBIO_ELOWQUALITY
 * whose `report` says why.
 */
export declare function extractReport(image: Image | PixelsInput): ExtractReportResult;
export declare function extractReportAsync(image: Image | PixelsInput): Promise<ExtractReportResult>;

/**
 * The 1:N decision threshold for a false positive identification rate `fpir` (0 < fpir < 1) over
 * `gallerySize` templates (>= 0, 0 counts as 1): 10*log10(gallerySize / fpir), rounded up to
 * hundredths, on the score scale 10*log10(1/FMR). fpir 1e-3: 40 for 10 templates, 50 for 100.
 * Throws ZKBioError ZKBIO_EINVAL for other values.
 */
export declare function thresholdForFpir(fpir: number, gallerySize: number): number;

/** calibrated score: 10*log10(1/FMR) */
export declare function match(a: Template, b: Template): number;
export declare function matchAsync(a: Template, b: Template): Promise<number>;
export declare function merge(captures: [Template, Template, Template]): Template;

export interface Candidate { id: number; score: number; }

export interface FpirResult {
  /** best first; empty when none reached the threshold */
  candidates: Candidate[];
  /** the threshold used: thresholdForFpir(fpir, the gallery's size when the search started) */
  threshold: number;
}

/** A 1:N gallery of templates by uint32 id. */
export declare class Gallery {
  /** threads for identify, 0 = one per CPU */
  constructor(threads?: number);
  /** id > 0; ZKBIO_EEXIST when taken */
  add(id: number, template: Template): void;
  remove(id: number): void;
  clear(): void;
  readonly size: number;
  identify(probe: Template, options?: { threshold?: number; k?: number }): Promise<Candidate[]>;
  /** identify() with the threshold chosen for a false positive identification rate fpir (0 < fpir < 1) */
  identifyFpir(probe: Template, fpir: number, options?: { k?: number }): Promise<FpirResult>;
  close(): void;
}

export declare const BACKEND: Readonly<{ sim: 1; zk4500: 2; zkfp: 4 }>;
export declare const OUTPUT: Readonly<{ green: 1; red: 2; white: 4; buzzer: 8 }>;

export interface ReaderInfo {
  id: string; backend: string; vendorId: number; productId: number; model: string;
  serial: string; width: number; height: number; dpi: number; caps: number;
}

export interface ReaderContextOptions {
  backends?: Array<'sim' | 'zk4500' | 'zkfp'>;
  /** sim readers, e.g. 'dir:/path' or 'socket:/path'; default the ZKBIO_SIM environment */
  sim?: string;
  zkfpLibrary?: string;
  /** read non-PGM files of dir: readers through libzkbio-imageio (default when available) */
  loadImages?: boolean;
  hotplugPollMs?: number;
}

export declare class ReaderContext {
  constructor(options?: ReaderContextOptions);
  list(): Promise<ReaderInfo[]>;
  open(id?: string): Promise<Reader>;
  close(): void;
}

export declare class Reader {
  private constructor();
  readonly info: ReaderInfo;
  capture(timeoutMs?: number): Promise<Image>;
  cancel(): void;
  fingerPresent(): Promise<boolean>;
  output(which: number, on: boolean): Promise<void>;
  close(): void;
}
