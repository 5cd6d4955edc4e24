# Runs a Python script for `pagelab capture` and marks its lines in the streams the capture records.
#
# The capture runs this interpreter under strace and with heaptrack's malloc hooks preloaded. This
# runner, in the same process, tells the three recorders where the script is:
#   * a line marker: malloc(16 * (site + 1)) then free, made through ctypes from one call site, so
#     the hook records it in order among the program's own calls (the capture recognises the
#     call site from a calibration pair, malloc(40961) and malloc(40963), made first);
#   * a sync marker (before each top-level line reached for the first time, and at pagelab_mark()):
#     malloc(8) and free, then madvise(seq * pagesize, 0, MADV_NORMAL) (a no-op that
#     strace records with seq in its address), then a line on the control socket; the capture
#     samples the process's residency and answers before the script goes on.
# Sites (file:line and the line's text) are written to the sites file when first seen.
# Environment: PAGELAB_CAPTURE_SOCKET, PAGELAB_CAPTURE_SITES, PAGELAB_CAPTURE_SYNC_LINES
# ("1": a sync marker before each top-level statement), PAGELAB_CAPTURE_MAX_SYNC (a cap on them).
import ctypes
import json
import linecache
import os
import runpy
import socket
import sys

CALIBRATION_SIZES = (40961, 40963)
SYNC_MARKER_SIZE = 8
MADV_NORMAL = 0


class Recorder:
    def __init__(self, script):
        self.script = script
        self.libc = ctypes.CDLL(None)
        self.libc.malloc.restype = ctypes.c_void_p
        self.libc.malloc.argtypes = [ctypes.c_size_t]
        self.libc.free.argtypes = [ctypes.c_void_p]
        self.libc.madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
        self.page = os.sysconf("SC_PAGE_SIZE")
        self.sites = {}
        self.sites_file = open(os.environ["PAGELAB_CAPTURE_SITES"], "w", encoding="utf-8")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(os.environ["PAGELAB_CAPTURE_SOCKET"])
        self.reader = self.sock.makefile("rb")
        self.sync_lines = os.environ.get("PAGELAB_CAPTURE_SYNC_LINES", "1") == "1"
        self.max_sync = int(os.environ.get("PAGELAB_CAPTURE_MAX_SYNC", "2000"))
        self.seq = 0
        self.last_site = None
        self.top_line = 0
        self.in_hook = False
        self.send("hello %d" % os.getpid())
        for size in CALIBRATION_SIZES:
            self.marker_malloc(size)

    def send(self, text):
        self.sock.sendall((text + "\n").encode("utf-8"))
        if self.reader.readline().strip() != b"ok":
            raise SystemExit("pagelab capture: the capturing process stopped answering")

    def marker_malloc(self, size):
        p = self.libc.malloc(size)
        self.libc.free(p)

    def site_of(self, filename, lineno):
        key = (filename, lineno)
        site = self.sites.get(key)
        if site is None:
            site = len(self.sites) + 1
            self.sites[key] = site
            text = linecache.getline(filename, lineno).strip()
            label = "%s:%d %s" % (os.path.basename(filename), lineno, text)
            self.sites_file.write("%d %s\n" % (site, json.dumps(label)))
            self.sites_file.flush()
        return site

    def line(self, filename, lineno):
        site = self.site_of(filename, lineno)
        if site != self.last_site:
            self.last_site = site
            self.marker_malloc(16 * (site + 1))
        return site

    def sync(self, kind, site, label):
        if self.seq >= self.max_sync and kind == "line":
            return
        self.seq += 1
        self.marker_malloc(SYNC_MARKER_SIZE)
        self.libc.madvise(ctypes.c_void_p(self.seq * self.page), 0, MADV_NORMAL)
        self.send("sync %d %s %d %s" % (self.seq, kind, site, json.dumps(label)))

    def mark(self, label="mark"):
        """pagelab_mark(label): a residency sample now, under this label."""
        frame = sys._getframe(1)
        site = self.line(frame.f_code.co_filename, frame.f_lineno)
        self.sync("mark", site, str(label))

    def trace(self, frame, event, arg):
        if frame.f_code.co_filename != self.script:
            return None
        return self.local

    def local(self, frame, event, arg):
        if event == "line" and not self.in_hook:
            self.in_hook = True
            try:
                site = self.line(frame.f_code.co_filename, frame.f_lineno)
                # a top-level statement reached for the first time (a loop's back edge does not sync)
                if self.sync_lines and frame.f_code.co_name == "<module>" and frame.f_lineno > self.top_line:
                    self.top_line = frame.f_lineno
                    self.sync("line", site, "")
            finally:
                self.in_hook = False
        return self.local


def main():
    if len(sys.argv) < 2:
        sys.stderr.write("usage: capture_runner.py SCRIPT [ARG]...\n")
        return 2
    script = os.path.abspath(sys.argv[1])
    recorder = Recorder(script)
    import builtins
    builtins.pagelab_mark = recorder.mark
    sys.argv = sys.argv[1:]
    sys.path.insert(0, os.path.dirname(os.path.abspath(script)))
    status = 0
    # run_path returns (a copy of) the script's globals: held until the "end" sync, so the last
    # sample still sees what the script's last lines made, before the interpreter frees it
    script_globals = None
    sys.settrace(recorder.trace)
    try:
        script_globals = runpy.run_path(script, run_name="__main__")
    except SystemExit as e:
        status = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    except BaseException:
        import traceback
        traceback.print_exc()
        status = 1
    finally:
        sys.settrace(None)
        recorder.sync("end", recorder.last_site or 0, "end")
        recorder.sites_file.close()
        del script_globals
    return status


if __name__ == "__main__":
    sys.exit(main())
