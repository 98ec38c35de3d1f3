import sys, time, tempfile, os
from pathlib import Path
sys.path.insert(0, "benchmarks")
import bench_autograde as b
from ipt_lib.course import parallel, forkserver
n = int(sys.argv[1]) if len(sys.argv) > 1 else 20
base = Path(tempfile.mkdtemp(prefix="ipt-tl-"))
course, share = b.make_course(base / "c", n)
T0 = [0.0]
def stamp(what): print(f"{time.perf_counter() - T0[0]:7.2f}  {what}", flush=True)
orig_ready = getattr(forkserver.ForkServer, "wait_ready", None)
def wait_ready(self):
    stamp("wait_ready called"); orig_ready(self); stamp("server ready")
if orig_ready: forkserver.ForkServer.wait_ready = wait_ready
orig_run = parallel._Worker._run
def run(self):
    line = self.proc.stdout.readline(); stamp(f"worker {self.proc.pid} ready")
    import io
    class Once:
        def __init__(s, f): s.f, s.first = f, True
        def readline(s):
            if s.first: s.first = False; return line
            return s.f.readline()
    real = self.proc.stdout
    self.proc.stdout = Once(real)
    try: return orig_run(self)
    finally: stamp(f"worker {self.proc.pid} done")
parallel._Worker._run = run
orig_close = parallel._Worker.close
T0[0] = time.perf_counter()
s = parallel.autograde(course, [b.A1], jupyter_path=share, warm=True, echo=stamp, progress_stream=open(os.devnull, "w"))
stamp("autograde returned")
r = s[b.A1]
print("graded", len(r.graded), "seconds", round(r.seconds, 2), "worker cpu/sub", round(r.worker_cpu / n, 3), "kernel cpu/sub", round(r.kernel_cpu / max(1, r.kernels), 3))
