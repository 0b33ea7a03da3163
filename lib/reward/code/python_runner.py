"""Runs one Python program inside the grlo-kit code sandbox as the reference harnesses do.

The sandbox (bubblewrap, limits) is the security boundary; this file only reproduces how
openai/human-eval (human_eval/execution.py) and evalplus/evalplus (evalplus/eval/__init__.py,
evalplus/gen/util/__init__.py, evalplus/data/mbpp.py, evalplus/eval/_special_oracle.py)
execute and judge a program, so that verdicts agree with theirs.

Usage (inside the sandbox, work dir = cwd):
  python3 python_runner.py humaneval SECONDS   program.py            -> {"result": ...}
  python3 python_runner.py expected            task.json             -> expected.pkl + {"ok": ...}
                           (outputs over 64 MiB pickled are left out; evalplus mode recomputes them)
  python3 python_runner.py evalplus [all|until-fail] task.json program.py expected.pkl
                                                                      -> {"base": ..., "plus": ...}
                           (`all`, evalplus' own behaviour, checks plus even when base fails)

The JSON verdict goes to the original stdout; the program's own stdout/stderr are swallowed
(as the references do) and file descriptors 1 and 2 point to /dev/null while it runs.
"""

import contextlib
import copy
import faulthandler
import io
import json
import math
import os
import pickle
import signal
import sys
import tempfile
import time

import mbpp_inputs

# evalplus/config.py
MIN_TIME_LIMIT = 4.0
GT_TIME_LIMIT_FACTOR = 4.0
TIMEOUT_PER_TASK = 60
MAX_MEMORY_BYTES = 4 * 1024 * 1024 * 1024

_write = os.write
_dumps = json.dumps
_exit = os._exit


class TimeoutException(Exception):
    pass


@contextlib.contextmanager
def time_limit(seconds):
    def handler(signum, frame):
        raise TimeoutException("Timed out!")

    signal.setitimer(signal.ITIMER_REAL, seconds)
    signal.signal(signal.SIGALRM, handler)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


class WriteOnlyStringIO(io.StringIO):
    def read(self, *args, **kwargs):
        raise IOError

    def readline(self, *args, **kwargs):
        raise IOError

    def readlines(self, *args, **kwargs):
        raise IOError

    def readable(self, *args, **kwargs):
        return False


class redirect_stdin(contextlib._RedirectStream):  # type: ignore
    _stream = "stdin"


@contextlib.contextmanager
def swallow_io():
    stream = WriteOnlyStringIO()
    with contextlib.redirect_stdout(stream):
        with contextlib.redirect_stderr(stream):
            with redirect_stdin(stream):
                yield


def reliability_guard(maximum_memory_bytes=None, block_open=False):
    """human-eval's guard; evalplus adds a memory limit and `builtins.open = None`."""
    if maximum_memory_bytes is not None:
        import resource

        for r in (resource.RLIMIT_AS, resource.RLIMIT_DATA, resource.RLIMIT_STACK):
            try:
                resource.setrlimit(r, (maximum_memory_bytes, maximum_memory_bytes))
            except (ValueError, OSError):
                pass  # the sandbox's own limit is lower
    faulthandler.disable()
    import builtins
    import shutil
    import subprocess

    builtins.exit = None
    builtins.quit = None
    os.environ["OMP_NUM_THREADS"] = "1"
    for name in (
        "kill system putenv remove removedirs rmdir fchdir setuid fork forkpty killpg rename "
        "renames truncate replace unlink fchmod fchown chmod chown chroot lchflags lchmod "
        "lchown getcwd chdir"
    ).split():
        setattr(os, name, None)
    shutil.rmtree = None
    shutil.move = None
    shutil.chown = None
    subprocess.Popen = None
    builtins.help = None
    if block_open:
        builtins.open = None
    for m in ("ipdb", "joblib", "resource", "psutil", "tkinter"):
        sys.modules[m] = None


def take_stdout(keep_stderr=False):
    """Keeps the real stdout for the verdict and points fd 1 (and 2) at /dev/null."""
    out = os.dup(1)
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    if not keep_stderr:
        os.dup2(null, 2)
    return out


def emit(fd, value):
    _write(fd, (_dumps(value) + "\n").encode())
    _exit(0)


def describe(e):
    return {"error_type": type(e).__name__, "error": str(e)[:500]}


def run_humaneval(seconds):
    """human_eval/execution.py unsafe_execute: exec(program) with the guard, 3 s by default."""
    with open("program.py") as f:
        program = f.read()
    out = take_stdout()
    os.chdir(tempfile.mkdtemp())
    reliability_guard()
    try:
        exec_globals = {}
        with swallow_io():
            with time_limit(seconds):
                exec(program, exec_globals)
        emit(out, {"result": "passed"})
    except TimeoutException:
        emit(out, {"result": "timed out"})
    except BaseException as e:
        emit(out, {"result": "failed: %s" % (str(e)[:500],), **describe(e)})


def load_task():
    with open("task.json") as f:
        task = json.load(f)
    tid = task["task_id"]
    task["base_input"] = mbpp_inputs.deserialize(tid, task["base_input"])
    task["plus_input"] = mbpp_inputs.deserialize(tid, task["plus_input"])
    return task


# Expected outputs above this size (pickled) are not cached; checks recompute them.
MAX_CACHED_BYTES = 64 * 1024 * 1024


def canonical_outputs(task, record_time):
    """evalplus get_groundtruth + trusted_exec: the canonical solution's outputs (and times)."""
    exec_globals = {}
    exec(task["prompt"] + task["canonical_solution"], exec_globals)
    fn = exec_globals[task["entry_point"]]
    result = {}
    for phase in ("base", "plus"):
        ret, rtime = [], []
        for inp in task[phase + "_input"]:
            inp = copy.deepcopy(inp)
            start = time.time()
            ret.append(fn(*inp))
            rtime.append(time.time() - start)
        if task["entry_point"] in mbpp_inputs.MBPP_OUTPUT_NOT_NONE_TASKS:
            ret = [i is not None for i in ret]
        result[phase] = ret
        if record_time:
            result[phase + "_time"] = rtime
    return result


def run_expected():
    task = load_task()
    out = take_stdout(keep_stderr=True)  # trusted code: keep its traceback for the error
    result = canonical_outputs(task, record_time=True)
    data = pickle.dumps(result)
    if len(data) > MAX_CACHED_BYTES:
        times = {k: v for k, v in result.items() if k.endswith("_time")}
        data = pickle.dumps({"recompute": True, **times})
    with open("expected.pkl", "wb") as f:
        f.write(data)
    emit(out, {"ok": True, "bytes": len(data)})


def is_floats(x):
    if isinstance(x, float):
        return True
    if isinstance(x, (list, tuple)) and x:
        return all(isinstance(i, float) for i in x)
    if type(x).__name__ == "ndarray" and type(x).__module__ == "numpy":
        return str(x.dtype) in ("float64", "float32")
    return False


def _close(a, b, rtol, atol):
    """np.allclose for numbers and equally shaped nested sequences (used without numpy)."""
    if isinstance(a, (list, tuple)) or isinstance(b, (list, tuple)):
        if not (isinstance(a, (list, tuple)) and isinstance(b, (list, tuple))) or len(a) != len(b):
            raise ValueError("shapes differ")
        return all(_close(x, y, rtol, atol) for x, y in zip(a, b))
    if isinstance(a, str) or isinstance(b, str) or a is None or b is None:
        raise TypeError("not numeric")
    if math.isinf(abs(a)) or math.isinf(abs(b)):
        return a == b
    return abs(a - b) <= atol + rtol * abs(b)


def allclose(out, exp, atol, np):
    if np is not None:
        return np.allclose(out, exp, rtol=1e-07, atol=atol)
    return _close(out, exp, 1e-07, atol)


def unsafe_execute(entry_point, code, inputs, expected, limits, atol, np):
    """evalplus unsafe_execute (dataset "mbpp", fast_check): first failing input stops."""
    oracle = mbpp_inputs
    progress = 0
    os.chdir(tempfile.mkdtemp())
    reliability_guard(MAX_MEMORY_BYTES, block_open=True)
    try:
        exec_globals = {}
        with swallow_io():
            exec(code, exec_globals)
            fn = exec_globals[entry_point]
        for i, inp in enumerate(inputs):
            try:
                with time_limit(limits[i]):
                    with swallow_io():
                        out = fn(*inp)
                exp = expected[i]
                exact_match = out == exp
                if entry_point == "are_equivalent":  # Mbpp/164
                    exact_match = exact_match or True
                elif entry_point == "sum_div":  # Mbpp/295
                    exact_match = exact_match or out == 0
                elif entry_point == "surface_Area":  # Mbpp/581
                    exact_match = exact_match or abs(out - oracle._surface_Area(*inp)) <= atol
                elif entry_point == "digit_distance_nums":  # Mbpp/558
                    exact_match = exact_match or out == oracle._digit_distance_nums(*inp)
                elif entry_point in oracle.MBPP_OUTPUT_SET_EQ_TASKS:
                    exact_match = set(out) == set(exp)
                elif entry_point in oracle.MBPP_OUTPUT_NOT_NONE_TASKS:
                    if isinstance(out, bool):
                        exact_match = out == exp
                    else:
                        exact_match = exp == (out is not None)
                if atol == 0 and is_floats(exp):
                    atol = 1e-6
                if not exact_match and atol != 0:
                    assert type(out) == type(exp)
                    if isinstance(exp, (list, tuple)):
                        assert len(out) == len(exp)
                    assert allclose(out, exp, atol, np)
                else:
                    assert exact_match
            except BaseException as e:
                return {"status": "fail", "input": i, "progress": progress + 1, **describe(e)}
            progress += 1
        return {"status": "pass", "progress": progress}
    except BaseException as e:
        return {"status": "fail", "progress": progress, **describe(e)}


def check_phase(task, code, expected, phase, np, out):
    """evalplus untrusted_check: one child process per phase, killed after its time budget."""
    inputs = task[phase + "_input"]
    limits = [max(MIN_TIME_LIMIT, GT_TIME_LIMIT_FACTOR * t) for t in expected[phase + "_time"]]
    budget = min(TIMEOUT_PER_TASK, sum(limits)) + 1 + 1  # + the join grace of evalplus
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        os.close(out)  # the verdict channel stays with the parent
        res = unsafe_execute(
            task["entry_point"], code, inputs, expected[phase], limits, task["atol"], np
        )
        _write(w, _dumps(res).encode())
        _exit(0)
    os.close(w)
    deadline = time.monotonic() + budget
    while time.monotonic() < deadline:
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        time.sleep(0.005)
    else:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        os.close(r)
        return {"status": "timeout"}
    data = b""
    while True:
        chunk = os.read(r, 65536)
        if not chunk:
            break
        data += chunk
    os.close(r)
    try:
        return json.loads(data.decode())
    except ValueError:
        return {"status": "timeout", "error": "the check process ended without a verdict"}


def run_evalplus(phases):
    """evalplus check_correctness: base, then plus (`until-fail` skips plus after a base failure)."""
    task = load_task()
    with open("program.py") as f:
        code = f.read()
    with open("expected.pkl", "rb") as f:
        expected = pickle.load(f)
    out = take_stdout()
    if expected.get("recompute"):
        expected.update(canonical_outputs(task, record_time=False))
    np = None
    floats = task["atol"] != 0 or any(
        is_floats(e) for phase in ("base", "plus") for e in expected[phase]
    )
    if floats:
        try:
            import numpy as np  # evalplus compares floats with np.allclose
        except ImportError:
            np = None
    result = {"numpy": np is not None}
    for phase in ("base", "plus"):
        result[phase] = check_phase(task, code, expected, phase, np, out)
        if phases == "until-fail" and result[phase]["status"] != "pass":
            break  # the task already fails (evalplus needs base and plus to pass)
    emit(out, result)


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "humaneval":
        run_humaneval(float(sys.argv[2]))
    elif mode == "expected":
        run_expected()
    elif mode == "evalplus":
        run_evalplus(sys.argv[2] if len(sys.argv) > 2 else "all")
    else:
        raise SystemExit("unknown mode " + mode)
