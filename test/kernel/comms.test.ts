/**
 * Jupyter comms in a real tslab kernel, from this package, over the wire (ZeroMQ, signed messages):
 * comm_open / comm_msg / comm_close in both directions with binary buffers, comm_info_request, and
 * messages handled while a cell awaits, without moving the execution counter.
 */
import { KernelProcess, makeNotebookDir, removeNotebookDir } from '../support/kernel-process';

jest.setTimeout(120_000);

let dir: string;
let kernel: KernelProcess;

beforeAll(async () => {
  dir = makeNotebookDir('comms');
  kernel = await KernelProcess.start(dir);
  await kernel.run(`
import { tslabComms } from "metrics-plotter/internals";
const comms = tslabComms()!;
const seen: string[] = [];
comms.registerTarget("test.echo", (comm, data, buffers) => {
  seen.push("open " + JSON.stringify(data));
  comm.onMsg((d, b) => comm.send({ echo: d, sizes: b.map(x => x.length) }, b.map(x => new Uint8Array(x).reverse())));
  comm.onClose(d => seen.push("closed " + JSON.stringify(d)));
});`);
});

afterAll(async () => {
  await kernel.shutdownLikeJupyter(false);
  removeNotebookDir(dir);
});

const commId = 'c0ffee00c0ffee00c0ffee00c0ffee00';

test("the frontend opens a comm on a registered target, sends data and binary buffers, and gets the kernel's answer under its message", async () => {
  await kernel.sendShell('comm_open', { comm_id: commId, target_name: 'test.echo', data: { hello: 1 } });
  const sent = await kernel.sendShell('comm_msg', { comm_id: commId, data: { n: 42 } }, [Buffer.from([1, 2, 3])]);
  const answer = await kernel.waitForIopub(o => o.msg_type === 'comm_msg' && o.parentMsgId === sent);
  expect(answer.content).toEqual({ comm_id: commId, data: { echo: { n: 42 }, sizes: [3] } });
  expect([...answer.buffers![0]]).toEqual([3, 2, 1]);
  // Busy and idle are published for it, as for every request.
  await kernel.waitForIopub(o => o.msg_type === 'status' && o.parentMsgId === sent && o.content.execution_state === 'idle');
  expect((await kernel.run('console.log(seen.join("|"))')).stdout.trim()).toBe('open {"hello":1}');
});

test('comm_info_request answers the open comms by target (tslab alone answers an empty list)', async () => {
  const reply = await kernel.request('shell', 'comm_info_request', { target_name: 'test.echo' });
  expect(reply.msg_type).toBe('comm_info_reply');
  expect(reply.content).toEqual({ status: 'ok', comms: { [commId]: { target_name: 'test.echo' } } });
  const other = await kernel.request('shell', 'comm_info_request', { target_name: 'jupyter.widget' });
  expect(other.content.comms).toEqual({});
});

test('comm messages are handled while a cell awaits a training loop, and the execution counter does not move', async () => {
  await kernel.run(`comms.registerTarget("test.stop", comm => comm.onMsg(() => ((globalThis as any).stopLoop = true)));`);
  const count = (r: { executionCount: number }) => r.executionCount;
  const first = count(await kernel.run('1'));
  let loopDone = false;
  const loop = kernel
    .execute('while (!(globalThis as any).stopLoop) await new Promise(r => setTimeout(r, 50));')
    .then(r => ((loopDone = true), r));
  const sent = await kernel.sendShell('comm_msg', { comm_id: commId, data: { during: 'loop' } });
  const answer = await kernel.waitForIopub(o => o.msg_type === 'comm_msg' && o.parentMsgId === sent);
  expect(answer.content.data.echo).toEqual({ during: 'loop' });
  expect(loopDone).toBe(false); // answered while the cell was still running
  // A comm message is what ends the loop: it was handled during it, not queued behind it.
  await kernel.sendShell('comm_open', { comm_id: 'stopper', target_name: 'test.stop', data: {} });
  await kernel.sendShell('comm_msg', { comm_id: 'stopper', data: {} });
  const loopReply = await loop;
  expect(loopReply.status).toBe('ok');
  // An unknown target gets its comm closed at once, as ipykernel does.
  await kernel.sendShell('comm_open', { comm_id: 'unknown', target_name: 'no.such.target', data: {} });
  await kernel.waitForIopub(o => o.msg_type === 'comm_close' && o.content.comm_id === 'unknown');
  // The loop was cell first+1; comm messages counted nothing, so the next cell is first+2.
  expect(count(loopReply)).toBe(first + 1);
  expect(count(await kernel.run('2'))).toBe(first + 2);
});

test('the kernel opens a comm, sends on it and closes it; the frontend closes one', async () => {
  const r = await kernel.run(`
const mine = comms.open("test.kernel-side", { model: "x" }, [new Uint8Array([9, 8])]);
mine.send({ tick: 1 });
mine.close({ bye: true });
console.log(mine.id);`);
  const id = r.stdout.trim();
  const opened = await kernel.waitForIopub(o => o.msg_type === 'comm_open' && o.content.comm_id === id);
  expect(opened.content).toMatchObject({ target_name: 'test.kernel-side', data: { model: 'x' } });
  expect([...opened.buffers![0]]).toEqual([9, 8]);
  await kernel.waitForIopub(o => o.msg_type === 'comm_msg' && o.content.comm_id === id && o.content.data.tick === 1);
  await kernel.waitForIopub(o => o.msg_type === 'comm_close' && o.content.comm_id === id);
  await kernel.sendShell('comm_close', { comm_id: commId, data: { reason: 'frontend' } });
  await kernel.run('await new Promise(r => setTimeout(r, 50));');
  expect((await kernel.run('console.log(seen.join("|"))')).stdout.trim()).toBe('open {"hello":1}|closed {"reason":"frontend"}');
  const info = await kernel.request('shell', 'comm_info_request', {});
  expect(Object.values(info.content.comms)).toEqual([{ target_name: 'test.stop' }]); // the stopper is still open
});
