"""Live-update cost for `npm run bench`, in a real tslab kernel driven by jupyter_client.

A training loop of STEPS steps, each doing WORK_MS of its own work and then adding one value to
every one of M metrics (each already holding 200 points), timed inside the kernel: once with the
plotter shown (live updates on) and once not shown, side by side, for each M. Also the largest
output message the frontend received and the bytes of all of them. Prints one JSON object.
"""
import json, sys, tempfile, shutil
from jupyter_client.manager import KernelManager

root = sys.argv[1]  # a folder whose node_modules holds metrics-plotter
STEPS, WORK_MS, RUNS = 100, 10, 3

def cell(m, shown):
    return f'''
import {{ MetricsPlotter }} from "metrics-plotter";
const p = new MetricsPlotter({{ title: "bench" }});
for (let m = 0; m < {m}; m++) p.addMetric("layer" + m + "/grad_norm", Array.from({{ length: 200 }}, (_, i) => Math.sin(i + m)));
if ({str(shown).lower()}) p.show();
const t0 = performance.now();
for (let step = 200; step < 200 + {STEPS}; step++) {{
  const until = performance.now() + {WORK_MS};
  while (performance.now() < until) {{}}  // the training step's own work
  for (let m = 0; m < {m}; m++) p.addScalar("layer" + m + "/grad_norm", Math.random(), step);
  await new Promise(resolve => setImmediate(resolve));
}}
console.log("LOOP_MS", performance.now() - t0);
p.close();
'''

def run_once(m, shown):
    folder = tempfile.mkdtemp(prefix="bench-live-", dir=root)
    km = KernelManager(kernel_name="tslab")
    km.start_kernel(cwd=folder)
    kc = km.client(); kc.start_channels(); kc.wait_for_ready(timeout=120)
    out, sizes = [], []
    def hook(msg):
        t = msg["msg_type"]
        if t == "stream": out.append(msg["content"]["text"])
        if t in ("display_data", "update_display_data"): sizes.append(len(json.dumps(msg["content"]).encode()))
    kc.execute_interactive(cell(m, shown), timeout=600, output_hook=hook)
    km.shutdown_kernel(); kc.stop_channels(); shutil.rmtree(folder)
    text = "".join(out)
    ms = float(text.split("LOOP_MS")[-1].split()[0])
    return ms, sizes

def median(xs):
    xs = sorted(xs); return xs[len(xs) // 2]

result = {"steps": STEPS, "work_ms": WORK_MS, "runs": RUNS, "rows": {}}
for m in (10, 1000, 10000):
    shown, hidden, largest, total, messages = [], [], [], [], []
    for _ in range(RUNS):
        ms, sizes = run_once(m, True); shown.append(ms)
        largest.append(max(sizes)); total.append(sum(sizes)); messages.append(len(sizes))
        ms, _ = run_once(m, False); hidden.append(ms)
    result["rows"][m] = {"shown_ms": median(shown), "hidden_ms": median(hidden),
                         "ratio": median([a / b for a, b in zip(shown, hidden)]),
                         "largest_bytes": max(largest), "total_bytes": median(total), "messages": median(messages)}
print(json.dumps(result))
