"""Cleanup timings for `npm run bench`, driven the way Jupyter drives kernels (jupyter_client).

For 1 and 10 videos: the time from the kernel's shutdown request to assets/ being gone, from a
SIGKILL of the kernel to assets/ being gone (its watchdog's work), the time plotter.close() takes
inside the kernel, and `rm -rf` of a copy of the same files, side by side; and the resident memory
of the kernel's watchdog while it waits. Prints one JSON object.
"""
import json, os, shutil, signal, subprocess, sys, tempfile, time
from jupyter_client.manager import KernelManager

root = sys.argv[1]  # a folder whose node_modules holds metrics-plotter
RUNS = 5

def cell(n):
    return f'''
import {{ MetricsPlotter }} from "metrics-plotter";
const p = new MetricsPlotter({{ title: "bench" }});
const frames = Array.from({{ length: 30 }}, (_, t) => ({{ width: 256, height: 256, data: new Uint8Array(256 * 256 * 4).fill(t * 8) }}));
for (let i = 0; i < {n}; i++) await p.addVideoFromFrames("v" + i, frames, {{ fps: 30 }});
'''

def start(folder):
    km = KernelManager(kernel_name="tslab")
    km.start_kernel(cwd=folder)
    kc = km.client(); kc.start_channels(); kc.wait_for_ready(timeout=120)
    return km, kc

def run(kc, code):
    out = []
    kc.execute_interactive(code, timeout=300, output_hook=lambda m: m["msg_type"] == "stream" and out.append(m["content"]["text"]))
    return "".join(out)

def median(xs):
    xs = sorted(xs); return xs[len(xs) // 2]

result = {}
for n in (1, 10):
    shutdown, sigkill, close, rm, watchdog_kb = [], [], [], [], []
    for _ in range(RUNS):
        folder = tempfile.mkdtemp(prefix="bench-cleanup-", dir=root)
        assets = os.path.join(folder, "assets")
        # shutdown request -> assets/ gone
        km, kc = start(folder)
        run(kc, cell(n))
        copy = tempfile.mkdtemp(prefix="bench-rm-")
        shutil.copytree(assets, os.path.join(copy, "assets"))
        t0 = time.perf_counter()
        km.request_shutdown()
        while os.path.exists(assets):
            time.sleep(0.0005)
        shutdown.append(time.perf_counter() - t0)
        km.finish_shutdown(); km.cleanup_resources(); kc.stop_channels()
        # rm -rf of the same files
        t0 = time.perf_counter()
        subprocess.run(["rm", "-rf", os.path.join(copy, "assets")], check=True)
        rm.append(time.perf_counter() - t0)
        shutil.rmtree(copy)
        # SIGKILL -> assets/ gone (the kernel's watchdog), and what the watchdog holds while it waits
        km, kc = start(folder)
        run(kc, cell(n))
        pid = int(run(kc, 'console.log(process.pid)').strip().splitlines()[-1])
        watchdog = int(run(kc, 'console.log(require("metrics-plotter/internals").kernelRegistry().watchdogPid)').strip().splitlines()[-1])
        with open(f"/proc/{watchdog}/status") as f:
            watchdog_kb.append(next(int(l.split()[1]) for l in f if l.startswith("VmRSS:")))
        t0 = time.perf_counter()
        os.kill(pid, signal.SIGKILL)
        while os.path.exists(assets):
            if time.perf_counter() - t0 > 30:
                raise RuntimeError("the watchdog did not remove assets/ within 30 s")
            time.sleep(0.0005)
        sigkill.append(time.perf_counter() - t0)
        kc.stop_channels()
        try:
            km.shutdown_kernel(now=True)
        except Exception:
            pass  # already dead
        # plotter.close(), timed inside the kernel
        km, kc = start(folder)
        run(kc, cell(n))
        ms = run(kc, 'const t0 = performance.now(); p.close(); console.log(performance.now() - t0);')
        close.append(float(ms.strip().splitlines()[-1]) / 1000)
        km.shutdown_kernel(); kc.stop_channels()
        shutil.rmtree(folder)
    result[n] = {"shutdown_s": median(shutdown), "sigkill_s": median(sigkill), "close_s": median(close),
                 "rm_rf_s": median(rm), "watchdog_rss_kb": median(watchdog_kb), "runs": RUNS}
print(json.dumps(result))
