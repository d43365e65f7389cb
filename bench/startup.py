"""A run with nothing changed: `cnn-doctor run` against a no-op `dvc repro`, and where its seconds go.

Run: .venv/bin/python bench/startup.py [repeats] [--baseline DIR] [--no-server] [--no-dvc]

- A second `cnn-doctor run --data <digits> --out <dir> --set train.epochs=3` with nothing changed, wall time,
  with this checkout's code and, interleaved, with `--baseline DIR` (a copy of the project at an earlier
  commit, e.g. `git archive <commit> | tar -x -C DIR`): with no Prefect server configured (ours decides from
  digests and starts no server), then against a running `prefect server start` (the flow runs, every stage
  task `Cached`, so the run shows in the UI). Each run reports whether TensorFlow / Great Expectations /
  scikit-learn / Prefect were imported.
- In the same run, a no-op `dvc repro` in a fresh git repo holding the project (as tests/test_dvc.py does),
  against DVC's own start-up (`dvc --version`); the ratios of both `cnn-doctor run` variants to it.
- Where the seconds of our no-op go, timed inside one process: imports, params and paths, the data's
  fingerprint, the run key (code digests), the comparison with the last run's record.
- Imports, each timed inside a fresh interpreter (best of `repeats`): Python itself, our CLI module, Prefect,
  the flow module, TensorFlow (quietly, devices probed), Great Expectations; and Prefect's temporary server
  start (the first API call of a fresh process, its database already created).
The priming runs (not timed) use `train.epochs=3`: a no-op rerun does not depend on it.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
BIN = Path(PYTHON).parent
HEAVY = ("tensorflow", "keras", "great_expectations", "sklearn", "scipy", "pandas", "prefect")

# The steps of a no-op `cnn-doctor run`, timed inside one process (argv: data folder, output folder).
NOOP_STEPS = """
import json, sys, time
marks = [("start", time.perf_counter())]
from cnn_doctor.orchestration import resolve_run
from cnn_doctor.up_to_date import is_up_to_date, run_key
from cnn_doctor.data.sources import fingerprint_source, read_source
marks.append(("imports (cnn_doctor, cnn_doctor.data.sources: numpy, Pillow, pydantic, yaml)", time.perf_counter()))
run = resolve_run(None, ["train.epochs=3"], sys.argv[1], sys.argv[2])
params, data, layout = run.params, run.data, run.layout
marks.append(("params, paths, the source read once to check it", time.perf_counter()))
fingerprint = fingerprint_source(read_source(data))
marks.append(("data fingerprint (the source read again, every file hashed)", time.perf_counter()))
key = run_key(params, data, fingerprint, layout)
marks.append(("run key (code digests)", time.perf_counter()))
assert is_up_to_date(layout, key)
marks.append(("comparison with the last run's record", time.perf_counter()))
print("STEPS", json.dumps({name: round(t - marks[i][1], 3) for i, (name, t) in enumerate(marks[1:])}))
"""

IMPORTS = {
    "python itself (-c pass)": "pass",
    "our CLI module (cnn_doctor.commands.cli)": "import cnn_doctor.commands.cli",
    "prefect": "import prefect",
    "flow module (prefect + tasks.*)": "import flows.train_and_diagnose",
    "tensorflow (quietly, devices probed)": "from cnn_doctor.quiet import import_tensorflow_quietly as i; i()",
    "great_expectations": "import great_expectations",
}

# What the `cnn-doctor` entry point does, plus a line naming the heavy modules the process imported.
RUN_WRAPPER = (
    "import atexit, sys\n"
    f"atexit.register(lambda: print('IMPORTED', [m for m in {HEAVY!r} if m in sys.modules]))\n"
    "from cnn_doctor.commands.cli import main\n"
    "sys.exit(main(sys.argv[1:]))\n"
)


def environment(code_root: Path, home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PREFECT_API_URL", "PYTHONPATH")}
    env.update(
        PYTHONPATH=str(code_root),
        PREFECT_HOME=str(home),
        PREFECT_LOCAL_STORAGE_PATH=str(home / "storage"),
        CI="true",
        PATH=f"{BIN}{os.pathsep}{os.environ['PATH']}",
        **extra,
    )
    return env


def timed_import(statement: str, code_root: Path, home: Path) -> float:
    """Seconds of one import inside a fresh interpreter (the interpreter's own start-up for `pass`)."""
    if statement == "pass":
        started = time.perf_counter()
        subprocess.run([PYTHON, "-c", "pass"], check=True, env=environment(code_root, home))
        return time.perf_counter() - started
    code = f"import time; t = time.perf_counter(); {statement}; print('SECONDS', time.perf_counter() - t)"
    out = subprocess.run(
        [PYTHON, "-c", code],
        check=True,
        capture_output=True,
        text=True,
        env=environment(code_root, home, TF_CPP_MIN_LOG_LEVEL="2"),
    ).stdout
    return float(re.search(r"SECONDS (\S+)", out).group(1))


def ephemeral_server_start(code_root: Path, home: Path) -> float:
    code = (
        "import prefect, time\nfrom prefect.client.orchestration import get_client\n"
        "t = time.perf_counter()\n"
        "with get_client(sync_client=True) as client: client.api_healthcheck()\n"
        "print('SECONDS', time.perf_counter() - t)\n"
    )
    out = subprocess.run(
        [PYTHON, "-c", code], check=True, capture_output=True, text=True, env=environment(code_root, home)
    ).stdout
    return float(re.search(r"SECONDS (\S+)", out).group(1))


def cnn_doctor_run(
    code_root: Path, home: Path, data: Path, out: Path, api_url: str | None = None, stderr_file: Path | None = None
) -> tuple[float, str, str]:
    """Wall seconds of `cnn-doctor run`, its combined output, and the heavy modules it imported."""
    extra = {"PREFECT_API_URL": api_url} if api_url else {}
    started = time.perf_counter()
    result = subprocess.run(
        [PYTHON, "-c", RUN_WRAPPER, "run", "--data", str(data), "--out", str(out), "--set", "train.epochs=3"],
        capture_output=True,
        text=True,
        env=environment(code_root, home, **extra),
        cwd=code_root,
    )
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise RuntimeError(f"cnn-doctor run failed ({code_root}):\n{result.stdout[-2000:]}\n{result.stderr[-3000:]}")
    if stderr_file:
        stderr_file.write_text(result.stderr)
    imported = re.search(r"IMPORTED (\[.*\])", result.stdout).group(1)
    return seconds, result.stdout + result.stderr, imported


def noop_steps(data: Path, out: Path, home: Path) -> dict[str, float]:
    result = subprocess.run(
        [PYTHON, "-c", NOOP_STEPS, str(data), str(out)],
        capture_output=True,
        text=True,
        env=environment(ROOT, home),
        cwd=ROOT,
        check=True,
    )
    return json.loads(re.search(r"STEPS (.*)", result.stdout).group(1))


def cached_count(output: str) -> int:
    return len(re.findall(r"Finished in state Cached", output))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(home: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    url = f"http://127.0.0.1:{port}/api"
    server = subprocess.Popen(
        [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=environment(ROOT, home, PREFECT_SERVER_ANALYTICS_ENABLED="false"),
    )
    import urllib.request

    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"{url}/health", timeout=2)
            return server, url
        except OSError:
            time.sleep(0.5)
    server.terminate()
    raise RuntimeError("prefect server did not start")


def dvc_noop(repeats: int, work: Path) -> dict:
    """A clone of the project (its last commit) with fast params, reproduced once, then timed."""
    import yaml

    clone = work / "project"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    params = yaml.safe_load((clone / "params.yaml").read_text())
    params["train"]["epochs"], params["preprocess"]["image_size"] = 2, 16
    (clone / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    env = environment(clone, work / "prefect-home")
    for command in (
        ["git", "-c", "user.name=b", "-c", "user.email=b@b", "commit", "-qam", "fast params"],
        [str(BIN / "cnn-doctor"), "digits", "data/digits"],
        [str(BIN / "dvc"), "repro"],
    ):
        subprocess.run(command, cwd=clone, env=env, check=True, capture_output=True)
    timings = {"dvc --version": [], "dvc repro (no-op)": []}
    for _ in range(repeats):
        for label, command in (("dvc --version", ["--version"]), ("dvc repro (no-op)", ["repro"])):
            started = time.perf_counter()
            result = subprocess.run(
                [str(BIN / "dvc"), *command], cwd=clone, env=env, check=True, capture_output=True, text=True
            )
            timings[label].append(time.perf_counter() - started)
            if command == ["repro"]:
                assert "Running stage" not in result.stdout, result.stdout
    return {label: min(values) for label, values in timings.items()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("repeats", nargs="?", type=int, default=3)
    parser.add_argument("--baseline", type=Path, help="project copy before the lazy imports")
    parser.add_argument("--no-server", action="store_true")
    parser.add_argument("--no-dvc", action="store_true")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="cnn-startup-"))
    home = work / "prefect-home"
    home.mkdir()
    subprocess.run(
        [
            PYTHON,
            "-c",
            "import sys; from pathlib import Path; from cnn_doctor.data.sources import write_digits; "
            "write_digits(Path(sys.argv[1]))",
            str(work / "digits"),
        ],
        check=True,
        env=environment(ROOT, home),
    )
    results: dict = {"load_before": Path("/proc/loadavg").read_text().split()[:3]}

    imports = {label: [] for label in IMPORTS}
    for _ in range(args.repeats):
        for label, statement in IMPORTS.items():
            imports[label].append(timed_import(statement, ROOT, home))
    results["imports"] = {label: min(values) for label, values in imports.items()}
    subprocess.run([PYTHON, "-c", "import prefect"], env=environment(ROOT, home), check=True)
    results["ephemeral_server_start"] = min(ephemeral_server_start(ROOT, home) for _ in range(args.repeats))

    variants = {"ours": ROOT, **({"baseline": args.baseline} if args.baseline else {})}
    for name, code_root in variants.items():  # priming: a full run each (its stderr kept for the chatter check)
        seconds, output, imported = cnn_doctor_run(
            code_root, home, work / "digits", work / f"out-{name}", stderr_file=work / f"first-run-{name}.stderr"
        )
        results[f"first_run_{name}"] = {"seconds": seconds, "imported": imported}
    stderr = (work / "first-run-ours.stderr").read_text().splitlines()
    tf_noise = re.compile(r"oneDNN|cuda|cuInit|absl|TF-TRT|tensorflow/|rebuild TensorFlow|I0000|W0000|E0000")
    results["first_run_ours_stderr"] = {
        "lines": len(stderr),
        "tensorflow_chatter": [line for line in stderr if tf_noise.search(line)],
    }

    reruns = {name: [] for name in variants}
    for _ in range(args.repeats):
        for name, code_root in variants.items():
            seconds, output, imported = cnn_doctor_run(code_root, home, work / "digits", work / f"out-{name}")
            reruns[name].append(seconds)
            results[f"rerun_{name}_imported"] = imported
            results[f"rerun_{name}_cached_tasks"] = cached_count(output)
    results["cached_rerun"] = {name: min(values) for name, values in reruns.items()}
    steps = [noop_steps(work / "digits", work / "out-ours", home) for _ in range(args.repeats)]
    results["noop_steps"] = {name: min(step[name] for step in steps) for name in steps[0]}

    if not args.no_server:
        server_home = work / "server-home"
        server_home.mkdir()
        server, url = start_server(server_home)
        try:
            with_server = {name: [] for name in variants}
            for _ in range(args.repeats):
                for name, code_root in variants.items():
                    seconds, output, _ = cnn_doctor_run(code_root, home, work / "digits", work / f"out-{name}", url)
                    with_server[name].append(seconds)
                    results[f"server_rerun_{name}_cached_tasks"] = cached_count(output)
            results["cached_rerun_running_server"] = {name: min(values) for name, values in with_server.items()}
        finally:
            server.terminate()
            server.wait(30)
    if not args.no_dvc:
        results["dvc"] = dvc_noop(args.repeats, work / "dvc")
        dvc_seconds = results["dvc"]["dvc repro (no-op)"]
        results["ratio_to_dvc_noop"] = {
            setting: {name: round(seconds / dvc_seconds, 2) for name, seconds in results[setting].items()}
            for setting in ("cached_rerun", "cached_rerun_running_server")
            if setting in results
        }
    results["load_after"] = Path("/proc/loadavg").read_text().split()[:3]
    print(json.dumps(results, indent=2))
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "startup.json").write_text(json.dumps(results, indent=2))
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
