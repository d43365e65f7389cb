"""The `cnn-doctor` command line: run the pipeline, run one stage (for DVC), serve, write the bundled datasets."""

from __future__ import annotations

import argparse
import logging
import os
import shlex
import sys
from pathlib import Path

from cnn_doctor.layout import STAGES

EXIT_OK, EXIT_ERROR, EXIT_GATED = 0, 1, 2
# `cnn-doctor serve` started together with `prefect server start`: a fresh server took 20-30 s to answer on
# 2 cores (creating its database, then the UI); 120 s leaves room for a slower machine and still fails clearly.
SERVER_WAIT_SECONDS = 120


def quiet_libraries() -> None:
    """Silence start-up chatter (TensorFlow's C++ logs, Prefect analytics); real errors still surface."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PYTHONWARNINGS", "ignore::DeprecationWarning")
    logging.getLogger("great_expectations").setLevel(logging.WARNING)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cnn-doctor", description="Train an image classifier and tell why it does or does not learn."
    )
    parser.add_argument("--debug", action="store_true", help="show full tracebacks")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser(
        "run",
        help="run the whole pipeline (a run of the Prefect flow train-and-diagnose)",
        description="Validate, preprocess, augment, train and evaluate, then write the report. "
        "Exit status: 0 report written, 2 stopped by the validation gate, 1 error.",
    )
    run.add_argument(
        "--data",
        help="folder with one subfolder per class, or a CSV manifest path,label[,split] "
        "(default: params data.source, the bundled digits)",
    )
    run.add_argument("--out", help="output folder (default: params data.out, outputs/latest)")
    run.add_argument("--params", help="params YAML file (default: the project's params.yaml)")
    run.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override one params key, e.g. --set train.learning_rate=0.01 (repeatable)",
    )
    run.add_argument("--debug", action="store_true", help=argparse.SUPPRESS)

    treat = commands.add_parser(
        "treat",
        help="apply the report's verified fix and rerun the pipeline into a sibling folder, then compare",
        description="Read the report of the run given by the same --data/--out/--params/--set as `cnn-doctor run`, "
        "add its verified fix (`--set` lines), run the whole pipeline into OUT-treated, and print what changed "
        "(accuracy, findings gone, findings new). Exit status as for run.",
    )
    for option in ("--data", "--out", "--params"):
        treat.add_argument(option, help=f"as for `cnn-doctor run {option}`")
    treat.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE", help="as for run")
    treat.add_argument("--debug", action="store_true", help=argparse.SUPPRESS)

    stage = commands.add_parser("stage", help="run one stage on the params file's data and output (used by dvc.yaml)")
    stage.add_argument("name", choices=STAGES)
    stage.add_argument("--params", help="params YAML file (default: the project's params.yaml)")
    stage.add_argument("--debug", action="store_true", help=argparse.SUPPRESS)

    serve = commands.add_parser(
        "serve",
        help="serve the flow as Prefect deployments 'scheduled' and 'ad-hoc' (needs a Prefect server)",
        description="Register two deployments of the flow train-and-diagnose with the Prefect server at "
        "PREFECT_API_URL and run their flow runs in this process until interrupted: 'scheduled' "
        "(cron from params flow.schedule) and 'ad-hoc' (start runs from the UI or with "
        "`prefect deployment run 'train-and-diagnose/ad-hoc'`).",
    )
    serve.add_argument(
        "--params", help="params YAML file the deployments' runs use by default (default: the project's params.yaml)"
    )
    serve.add_argument(
        "--limit",
        type=int,
        default=1,
        metavar="N",
        help="flow runs at most at once (default 1: runs share this machine's cores)",
    )
    serve.add_argument(
        "--wait",
        type=float,
        default=SERVER_WAIT_SECONDS,
        metavar="SECONDS",
        help="how long to wait for the server to answer before giving up "
        f"(default {SERVER_WAIT_SECONDS}: a server's first start creates its database)",
    )
    serve.add_argument("--debug", action="store_true", help=argparse.SUPPRESS)

    digits = commands.add_parser("digits", help="write scikit-learn's bundled digits as PNG class folders")
    digits.add_argument("folder", nargs="?", default=None, help="target folder (default: data/digits)")

    fashion = commands.add_parser(
        "fashion-mnist",
        help="write Fashion-MNIST (Debian's dataset-fashion-mnist) as PNG class folders and a manifest "
        "with its official train/test split",
    )
    fashion.add_argument("folder", nargs="?", default=None, help="target folder (default: data/fashion-mnist)")
    fashion.add_argument("--train-per-class", type=int, default=None, help="only the first N training images a class")
    fashion.add_argument("--test-per-class", type=int, default=None, help="only the first N test images a class")
    return parser


def print_summary(report: dict, report_path: Path, arguments: argparse.Namespace) -> None:
    counts = report["findings_by_severity"]
    accuracy = report["metrics"].get("test_accuracy")
    print(f"\nReport:    {report_path.with_suffix('.html')}  (and {report_path.name})")
    print(f"Verdict:   {report['verdict']}")
    print(f"Accuracy:  {accuracy:.4f} on the test split" if accuracy is not None else "Accuracy:  not measured")
    if carved := report["dataset"].get("validation_carved_from_train"):
        print(f"Split:     the manifest has no validation rows: {carved} training images held out to validate")
    print(f"Findings:  {counts['critical']} critical, {counts['warning']} warning, {counts['info']} info")
    for finding in report["findings"][:8]:
        print(f"  - [{finding['severity']}] {finding['id']}: {finding['summary']}")
    if fix := report.get("verified_fix"):
        print_fix(fix, arguments)


def print_fix(fix: dict, arguments: argparse.Namespace) -> None:
    """The verified fix, and the exact command that reruns with it (a model change is the user's to make)."""
    print(f"Verified:  {' '.join(fix['change'])} (validation accuracy {fix['gain']:+.2f}, for {fix['finding']})")
    if not fix["overrides"]:
        print("           a change to your model: make it in the model.builder file, then run again")
        return
    options = [
        f"--{name} {shlex.quote(value)}" for name in ("data", "out", "params") if (value := getattr(arguments, name))
    ]
    sets = [f"--set {shlex.quote(line)}" for line in [*arguments.overrides, *fix["overrides"]]]
    print(f"Rerun:     cnn-doctor run {' '.join([*options, *sets])}")
    experiment = " ".join(f"-S {shlex.quote(line)}" for line in fix["overrides"])
    print(f"           (or `cnn-doctor treat` with this run's options; DVC: dvc exp run {experiment})")


def command_run(arguments: argparse.Namespace) -> int:
    from dataclasses import replace

    from cnn_doctor.data.sources import fingerprint_source, read_source
    from cnn_doctor.layout import read_json
    from cnn_doctor.orchestration import resolve_run

    run = resolve_run(arguments.params, arguments.overrides, arguments.data, arguments.out)
    layout = run.layout
    with layout.lock():  # held to the end: a second run into this folder is refused
        run = replace(run, fingerprint=fingerprint_source(read_source(run.data)))
        if not run_without_changes(arguments, run):
            run_flow(arguments, run)
    report = read_json(layout.report_json)
    print_summary(report, layout.report_json, arguments)
    return EXIT_GATED if report["status"].startswith("stopped") else EXIT_OK


def run_without_changes(arguments: argparse.Namespace, run) -> bool:
    """A run with nothing changed ends here, decided from digests before Prefect is imported or started.

    With a Prefect server configured, the run still shows in its UI (a Completed flow run with the diagnosis).
    """
    from cnn_doctor.layout import read_json
    from cnn_doctor.prefect_api import FLOW_NAME, api_url_without_prefect, record_unchanged_run
    from cnn_doctor.report import diagnosis_markdown
    from cnn_doctor.up_to_date import is_up_to_date, run_key

    layout = run.layout
    if not is_up_to_date(layout, run_key(run.params, run.data, run.fingerprint, layout)):
        return False
    print(
        f"Nothing changed since the last run into {layout.out} (code, params and data digests match): no stage to run.",
        file=sys.stderr,
    )
    if url := api_url_without_prefect():
        report = read_json(layout.report_json)
        parameters = {
            "data": arguments.data,
            "out": arguments.out,
            "params_file": arguments.params,
            "overrides": arguments.overrides,
        }
        run_id = record_unchanged_run(url, FLOW_NAME, parameters, diagnosis_markdown(report, layout), report["verdict"])
        print(f"Recorded as flow run {run_id} on the Prefect server at {url}.", file=sys.stderr)
    return True


def run_flow(arguments: argparse.Namespace, run) -> None:
    """Run the flow `train-and-diagnose` on the run resolved here (its raw options are what the UI shows),
    starting Prefect's temporary server first when none is configured."""
    from cnn_doctor.orchestration import handing_over
    from cnn_doctor.prefect_api import api_url_without_prefect, start_temporary_server

    # No TensorFlow here: the augment, train and evaluate task bodies import it quietly when they run, so a
    # cached run never pays its 3-10 s import (bench/startup.py).
    from flows.train_and_diagnose import train_and_diagnose

    if not api_url_without_prefect():
        start_temporary_server()
    with handing_over(run):
        train_and_diagnose(
            data=arguments.data, out=arguments.out, params_file=arguments.params, overrides=arguments.overrides
        )


def command_treat(arguments: argparse.Namespace) -> int:
    from cnn_doctor.config import UserError
    from cnn_doctor.layout import read_json
    from cnn_doctor.orchestration import resolve_run
    from cnn_doctor.report import compare_reports

    layout = resolve_run(arguments.params, arguments.overrides, arguments.data, arguments.out).layout
    if not layout.report_json.is_file():
        raise UserError(f"no report in {layout.out}: run `cnn-doctor run` with the same options first")
    before = read_json(layout.report_json)
    fix = before.get("verified_fix")
    if not fix:
        raise UserError(
            f"the report in {layout.out} has no verified fix to apply (nothing was tried, or nothing helped)"
        )
    if not fix["overrides"]:
        raise UserError(
            f"the verified fix in {layout.out} is a change to your model ({' '.join(fix['change'])}): "
            "make it in the model.builder file, then run again"
        )
    treated = argparse.Namespace(**{**vars(arguments), "out": str(layout.out.with_name(f"{layout.out.name}-treated"))})
    treated.overrides = [*arguments.overrides, *fix["overrides"]]
    print(f"Treating {layout.out} with {' '.join(fix['overrides'])}: running into {treated.out}", file=sys.stderr)
    status = command_run(treated)
    after = read_json(Path(treated.out) / layout.report_json.relative_to(layout.out))
    for line in compare_reports(before, after):
        print(line)
    return status


def command_stage(arguments: argparse.Namespace) -> int:
    from cnn_doctor.commands.dvc_stage import run_stage

    return EXIT_GATED if run_stage(arguments.name, arguments.params) == "gated" else EXIT_OK


def command_serve(arguments: argparse.Namespace) -> int:
    from cnn_doctor.commands.serving import serve_deployments
    from cnn_doctor.config import UserError

    if arguments.limit < 1:
        raise UserError(f"--limit must be at least 1, not {arguments.limit}")
    if arguments.wait < 0:
        raise UserError(f"--wait must be 0 or more seconds, not {arguments.wait:g}")
    serve_deployments(arguments.params, arguments.limit, arguments.wait)
    return EXIT_OK


def command_digits(arguments: argparse.Namespace) -> int:
    from cnn_doctor.config import PROJECT_ROOT
    from cnn_doctor.data.sources import write_digits

    folder = write_digits(Path(arguments.folder) if arguments.folder else PROJECT_ROOT / "data" / "digits")
    print(f"Digits written to {folder}")
    return EXIT_OK


def command_fashion_mnist(arguments: argparse.Namespace) -> int:
    from cnn_doctor.config import PROJECT_ROOT, UserError
    from cnn_doctor.data.fashion_mnist import write_fashion_mnist

    for option in ("train_per_class", "test_per_class"):
        if (value := getattr(arguments, option)) is not None and value < 1:
            raise UserError(f"--{option.replace('_', '-')} must be at least 1, not {value}")
    folder = Path(arguments.folder) if arguments.folder else PROJECT_ROOT / "data" / "fashion-mnist"
    manifest = write_fashion_mnist(folder, arguments.train_per_class, arguments.test_per_class)
    print(f"Fashion-MNIST written to {folder}; run it with: cnn-doctor run --data {manifest}")
    return EXIT_OK


COMMANDS = {
    "run": command_run,
    "treat": command_treat,
    "stage": command_stage,
    "serve": command_serve,
    "digits": command_digits,
    "fashion-mnist": command_fashion_mnist,
}


def main(argv: list[str] | None = None) -> int:
    quiet_libraries()
    arguments = build_parser().parse_args(argv)
    from cnn_doctor.config import UserError, one_line

    try:
        return COMMANDS[arguments.command](arguments)
    except UserError as error:
        if arguments.debug:
            raise
        print(f"cnn-doctor: error: {error}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("cnn-doctor: interrupted; run the same command again to resume", file=sys.stderr)
        return 130
    except Exception as error:
        if arguments.debug:
            raise
        print(f"cnn-doctor: {one_line(error, 1000)} (rerun with --debug for the traceback)", file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
