"""Scale: validate + preprocess on 10k, 30k (and optionally 100k) synthetic 64x64 PNG images.

Run: .venv/bin/python bench/scale.py [SIZE ...]          (default: 10000 30000; add 100000 when you have
                                                          ~15 minutes; images are kept in $TMPDIR/cnn-scale)

The images (not timed): 10 classes of RGB 64x64 PNGs, a class template (stripes of a fixed direction and colour)
shifted by up to 3 px, with a random brightness, a random rectangle and a little noise; 1% are exact copies of
another image of the same class, so the
duplicate search has something to find. Each size runs twice, each time in its own child process that
executes `tasks.validate.validate.fn` and `tasks.preprocess.preprocess.fn` with the default params
(label-error search on, 32x32 output, chunks of 2,000 images to inspect and 4,096 to decode): first with
one worker (PREFECT_TASKS_RUNNER_PROCESS_POOL_MAX_WORKERS=1: every chunk in turn, in the child itself, the
baseline), then with one worker process per core (`cnn_doctor.parallel.map_chunks`, the path `dvc repro`
takes; a flow run sends the same chunks to its ProcessPoolTaskRunner). Each reports:

- ingest: `build_manifest` (decode every file, content hash, perceptual hash, pixel std, thumbnail), images/s;
- near-duplicate grouping: `_add_relations` (groups by perceptual hash: identical and near-identical
  content share it), and the duplicate/conflict/leak checks it feeds, seconds and microseconds per image;
- label-error search (`mark_label_errors`: cross-validated logistic regression on 16x16 thumbnails +
  cleanlab), Great Expectations (`run_expectations`), the rest of validate, preprocess;
- peak memory of the child: VmHWM from /proc/self/status (resident high-water mark), and of its largest
  worker process (ru_maxrss of RUSAGE_CHILDREN);
- the speed-up of ingest, validate and preprocess with workers against one process.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from functools import wraps
from multiprocessing import Pool
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("CI", "true")

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CLASSES = 10
SIDE = 64


def _write_chunk(job: tuple[Path, int, int]) -> None:
    from PIL import Image

    folder, start, stop = job
    rng = np.random.default_rng(start)
    yy, xx = np.mgrid[0:SIDE, 0:SIDE]
    for i in range(start, stop):
        label = i % CLASSES
        target = folder / f"c{label}" / f"{i:06d}.png"
        if rng.random() < 0.01 and i >= CLASSES * 2:  # an exact copy of an earlier image of the class
            source = folder / f"c{label}" / f"{i - CLASSES:06d}.png"
            if source.is_file():
                target.write_bytes(source.read_bytes())
                continue
        class_rng = np.random.default_rng(1000 + label)  # the class's template: fixed stripes and colours
        fx, fy, colour = class_rng.uniform(-0.3, 0.3), class_rng.uniform(-0.3, 0.3), class_rng.uniform(0.4, 1.0, 3)
        dx, dy = rng.integers(-3, 4, 2)  # each image: shifted, brighter or darker, a rectangle, noise
        stripes = np.sin(fx * (xx + dx) + fy * (yy + dy) + label)[..., None] * colour
        image = stripes * 80 + 128 + rng.normal(0, 10)
        x0, y0 = rng.integers(0, SIDE - 16, 2)
        image[y0 : y0 + rng.integers(8, 16), x0 : x0 + rng.integers(8, 16)] = rng.uniform(0, 255, 3)
        image += rng.normal(0, 4, image.shape)
        Image.fromarray(np.clip(image, 0, 255).astype(np.uint8)).save(target, compress_level=1)


def generate(size: int) -> Path:
    folder = Path(tempfile.gettempdir()) / "cnn-scale" / str(size)
    done = folder.parent / f".{size}-done"  # outside the dataset: not an image, not a class folder
    if done.is_file():
        return folder
    for label in range(CLASSES):
        (folder / f"c{label}").mkdir(parents=True, exist_ok=True)
    step = 2000
    with Pool(os.cpu_count()) as pool:
        pool.map(_write_chunk, [(folder, s, min(s + step, size)) for s in range(0, size, step)])
    done.write_text("")
    return folder


def child(data: Path) -> None:
    """Validate and preprocess `data` once, timing the parts; print JSON with the peak memory."""
    from cnn_doctor.config import load_params
    from cnn_doctor.layout import Layout
    from cnn_doctor.parallel import shutdown_process_pool, worker_count
    from tasks import preprocess as preprocess_module
    from tasks import validate as validate_module

    timings: dict[str, float] = {}

    def timed(module, name, label):
        function = getattr(module, name)

        @wraps(function)
        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                timings[label] = timings.get(label, 0.0) + time.perf_counter() - started

        setattr(module, name, wrapper)

    timed(validate_module, "_add_relations", "near-duplicate grouping (_add_relations)")
    timed(validate_module, "build_manifest", "ingest (build_manifest, includes grouping)")
    timed(validate_module, "mark_label_errors", "label-error search")
    timed(validate_module, "run_expectations", "great expectations")
    timed(validate_module, "findings_from_results", "findings (duplicate/conflict/leak groups...)")
    timed(preprocess_module, "assign_splits", "split by content group")
    params = load_params(None, [])
    layout = Layout(Path(tempfile.mkdtemp()) / "out")
    started = time.perf_counter()
    validated = validate_module.validate.fn(data, "", params.validate_params, layout)
    timings["validate total"] = time.perf_counter() - started
    started = time.perf_counter()
    prepared = preprocess_module.preprocess.fn(validated, params.preprocess, layout)
    timings["preprocess total"] = time.perf_counter() - started
    shutdown_process_pool()  # the workers end here, so RUSAGE_CHILDREN counts them
    status = Path("/proc/self/status").read_text()
    peak_kib = int(next(line for line in status.splitlines() if line.startswith("VmHWM")).split()[1])
    worker_peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # the largest worker process
    findings = json.loads(layout.findings("validate").read_text())
    validation = json.loads(layout.summary("validate").read_text())
    print(
        "RESULT "
        + json.dumps(
            {
                "images": int(validation["entries"]),
                "usable": int(validation["usable_images"]),
                "timings_s": timings,
                "peak_rss_gib": peak_kib / 2**20,
                "worker_peak_rss_gib": worker_peak_kib / 2**20,
                "workers": worker_count(),
                "findings": {f["id"]: len(f["evidence"].get("files", [])) for f in findings},
                "counts": prepared.counts,
            }
        )
    )


def warm_page_cache(data: Path) -> None:
    for path in data.rglob("*.png"):
        path.read_bytes()


def run_child(data: Path, workers: str) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PREFECT_TASKS_RUNNER_PROCESS_POOL_MAX_WORKERS": workers}
    started = time.perf_counter()
    output = subprocess.run(
        [sys.executable, __file__, "--child", str(data)], capture_output=True, text=True, env=env, cwd=ROOT
    )
    wall = time.perf_counter() - started
    if output.returncode != 0:
        raise RuntimeError(output.stderr[-3000:])
    result = json.loads(output.stdout.split("RESULT ", 1)[1])
    t, size = result["timings_s"], result["images"]
    result["wall_s"] = wall
    result["ingest_images_per_s"] = size / t["ingest (build_manifest, includes grouping)"]
    result["validate_images_per_s"] = size / t["validate total"]
    result["preprocess_images_per_s"] = size / t["preprocess total"]
    result["grouping_us_per_image"] = 1e6 * t["near-duplicate grouping (_add_relations)"] / size
    result["per_image_ms"] = {k: 1e3 * v / size for k, v in t.items()}
    return result


def main(sizes: list[int]) -> None:
    results = {"load_before": Path("/proc/loadavg").read_text().split()[:3], "sizes": {}}
    for size in sizes:
        data = generate(size)
        results["sizes"][size] = {}
        for workers in ("1", str(os.cpu_count())):  # baseline first: one process, every chunk in turn
            warm_page_cache(data)  # both runs read from memory, not disk: the comparison is of the work
            result = run_child(data, workers)
            results["sizes"][size][f"{workers} worker(s)"] = result
            print(size, workers, json.dumps(result, indent=2), flush=True)
        one, many = results["sizes"][size].values()
        results["sizes"][size]["speed-up"] = {
            part: one["timings_s"][part] / many["timings_s"][part]
            for part in ("ingest (build_manifest, includes grouping)", "validate total", "preprocess total")
        }
        print(size, "speed-up", results["sizes"][size]["speed-up"], flush=True)
    results["load_after"] = Path("/proc/loadavg").read_text().split()[:3]
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "scale.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(Path(sys.argv[2]))
    else:
        main([int(a) for a in sys.argv[1:]] or [10_000, 30_000])
