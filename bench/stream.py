"""Bytes a live run sends to the frontend, for `npm run bench`, in a real tslab kernel driven by
jupyter_client (which stands in for JupyterLab's side of the wire).

A training loop logs 10 series at 100 steps a second for SECONDS seconds, once with no page
subscribed (each live update is the output's whole payload, as every update was before the comm)
once with a page subscribed to the view over the extension's comm (the new points as binary
buffers on every update; the displayed payload refreshed every 5 s), and once more with a page that
also renders widgets (the view's widget model gets the payload with each display refresh). Counts
the bytes of every iopub message content and buffer the frontend receives for it. Prints one JSON
object.
"""
import json, sys, tempfile, shutil, time, uuid
from jupyter_client.manager import KernelManager

root = sys.argv[1]  # a folder whose node_modules holds metrics-plotter
SERIES, RATE, SECONDS, RUNS = 10, 100, 10, 3

SETUP = f'''
import {{ MetricsPlotter }} from "metrics-plotter";
const p = new MetricsPlotter({{ title: "bench" }});
for (let s = 0; s < {SERIES}; s++) p.addScalar("metric/" + s, 0, 0);
p.show();
console.log("PLOTTER", p.id);
'''

LOOP = f'''
const t0 = performance.now();
for (let step = 1; step <= {RATE * SECONDS}; step++) {{
  for (let s = 0; s < {SERIES}; s++) p.addScalar("metric/" + s, Math.sin(step / 50) + s + Math.random() * 0.1, step);
  const next = t0 + step * {1000 / RATE};
  await new Promise(resolve => setTimeout(resolve, Math.max(0, next - performance.now())));
}}
console.log("LOOP_MS", performance.now() - t0);
p.close();
'''

def size(msg):
    body = len(json.dumps(msg["content"]).encode())
    return body + sum(len(bytes(b)) for b in msg.get("buffers") or [])

def run_once(subscribed, widgets=False):
    folder = tempfile.mkdtemp(prefix="bench-stream-", dir=root)
    km = KernelManager(kernel_name="tslab")
    km.start_kernel(cwd=folder)
    kc = km.client(); kc.start_channels(); kc.wait_for_ready(timeout=120)
    out = []
    kc.execute_interactive(SETUP, timeout=120, output_hook=lambda m: m["msg_type"] == "stream" and out.append(m["content"]["text"]))
    plotter = "".join(out).split("PLOTTER")[-1].split()[0]
    if subscribed:
        comm = uuid.uuid4().hex
        kc.shell_channel.send(kc.session.msg("comm_open", {"comm_id": comm, "target_name": "metrics-plotter.v1", "data": {"widgets": widgets}}))
        kc.shell_channel.send(kc.session.msg("comm_msg", {"comm_id": comm, "data": {
            "request": "subscribe", "plotterId": plotter, "viewId": "v0", "points": 2400}}))
        time.sleep(0.5)
    counts = {"display": 0, "stream": 0, "widget": 0}
    text = []
    def hook(msg):
        t = msg["msg_type"]
        if t == "stream": text.append(msg["content"]["text"])
        if t in ("display_data", "update_display_data"): counts["display"] += size(msg)
        if t == "comm_msg" and msg["content"]["data"].get("event") == "points": counts["stream"] += size(msg)
        if t == "comm_msg" and msg["content"]["data"].get("method") == "update": counts["widget"] += size(msg)
    kc.execute_interactive(LOOP, timeout=600, output_hook=hook)
    km.shutdown_kernel(); kc.stop_channels(); shutil.rmtree(folder)
    seconds = float("".join(text).split("LOOP_MS")[-1].split()[0]) / 1000
    return (sum(counts.values()) / seconds, counts["display"] / seconds, counts["stream"] / seconds, counts["widget"] / seconds)

def median(xs):
    xs = sorted(xs); return xs[len(xs) // 2]

rows = {}
pairs = []
for _ in range(RUNS):
    full = run_once(False); deltas = run_once(True); widget = run_once(True, widgets=True)
    pairs.append((full, deltas, widget))
rows["full"] = {"bytes_per_s": median([p[0][0] for p in pairs])}
rows["deltas"] = {"bytes_per_s": median([p[1][0] for p in pairs]), "display_bytes_per_s": median([p[1][1] for p in pairs]),
                  "stream_bytes_per_s": median([p[1][2] for p in pairs])}
rows["widget"] = {"bytes_per_s": median([p[2][0] for p in pairs]), "widget_bytes_per_s": median([p[2][3] for p in pairs])}
rows["ratio"] = median([p[0][0] / p[1][0] for p in pairs])
rows["widget_ratio"] = median([p[0][0] / p[2][0] for p in pairs])
print(json.dumps({"series": SERIES, "rate": RATE, "seconds": SECONDS, "runs": RUNS, **rows}))
