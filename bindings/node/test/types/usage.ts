// SPDX-License-Identifier: Apache-2.0
// Type-checked (never run) by test/types.test.js: `tsc --noEmit` over code that uses every part of
// index.d.ts and zklib.d.ts the way a TypeScript user would, plus lines that must NOT compile.
import * as zkbio from 'zkbio';
import ZKLib = require('zkbio/zklib');

async function terminal(): Promise<void> {
  const t: zkbio.Terminal = await zkbio.Terminal.open('10.0.0.2', { port: 4370, transport: 'tcp' });
  await t.enroll('7', 6);
  const info: zkbio.TerminalInfo = await t.info();
  const n: number = info.sizes.recordsCap;
  const users: zkbio.TerminalUser[] = await t.users();
  await t.setUser({ uid: 1, userId: '7', name: 'Ada' });
  const recs: zkbio.AttendanceRecord[] = await t.attendance(new Date());
  const when: Date = recs[0].time;
  await t.events((ev) => { const f: number = ev.flag; void f; }, { mask: zkbio.EVENT.ATTLOG });
  const tpl: Buffer = await t.template(1, 0);
  await t.close();
  void n; void users; void when; void tpl;
  // @ts-expect-error transport is a fixed set
  await zkbio.Terminal.open('h', { transport: 'serial' });
}

async function engine(): Promise<void> {
  const img = await zkbio.Image.load('f.png');
  const a: zkbio.Template = zkbio.extract(img);
  const b = zkbio.Template.fromBytes(a.toIso(), 'iso');
  const score: number = zkbio.match(a, b);
  const m = zkbio.merge([a, b, a.clone()]);
  const g = new zkbio.Gallery();
  g.add(1, m);
  const hits: zkbio.Candidate[] = await g.identify(a, { threshold: 40, k: 3 });
  const byFpir: zkbio.FpirResult = await g.identifyFpir(a, 1e-3, { k: 3 });
  const needed: number = zkbio.thresholdForFpir(1e-3, g.size) - byFpir.threshold;
  const { template, report } = zkbio.extractReport(img);
  const why: zkbio.RetakeReason = report.retake;
  const edge: number = report.edgeCut + report.offsetX;
  const again: zkbio.ExtractReportResult = await zkbio.extractReportAsync(img);
  void needed; void template; void why; void edge; void again;
  // @ts-expect-error the reasons are names, not numbers
  const code: number = report.reasons[0];
  // @ts-expect-error identifyFpir takes the FPIR itself, not an options object
  await g.identifyFpir(a, { fpir: 1e-3 });
  const ctx = new zkbio.ReaderContext({ backends: ['sim'], sim: 'dir:/x' });
  const r = await ctx.open();
  const shot: zkbio.Image = await r.capture(1000);
  void score; void hits; void shot;
  // @ts-expect-error merge takes exactly three templates
  zkbio.merge([a, b]);
  try {
    zkbio.match(a, b);
  } catch (e) {
    if (e instanceof zkbio.ZKBioError) {
      const c: number = e.code;
      const tip: string | undefined = e.report?.message;
      void c; void tip;
    }
  }
}

async function zklib(): Promise<void> {
  const zk = new ZKLib('10.0.0.2', 4370, 10000, 4000);
  await zk.createSocket();
  const info: ZKLib.Info = await zk.getInfo();
  const users = await zk.getUsers();
  const name: string = users.data[0].name;
  const att = await zk.getAttendances();
  const at: Date = att.data[0].recordTime;
  await zk.getRealTimeLogs((log) => { const d: Date = log.attTime; void d; });
  const t: Date = await zk.getTime();
  await zk.disconnect();
  void info; void name; void at; void t;
  // @ts-expect-error getUsers takes no callback
  await zk.getUsers(() => 0);
}

void terminal; void engine; void zklib;
