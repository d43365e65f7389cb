"""The `cnn-doctor` command line: run the pipeline, run one stage (for DVC), write the bundled digits."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from cnn_doctor.layout import STAGES

EXIT_OK, EXIT_ERROR, EXIT_GATED = 0, 1, 2


def quiet_libraries() -> None:
    """Silence start-up chatter (TensorFlow's C++ logs, Prefect analytics); real errors still surface."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PYTHONWARNINGS", "ignore::DeprecationWarning")
    logging.getLogger("great_expectations").setLevel(logging.WARNING)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cnn-doctor", description="Train an image classifier and tell why it does or does not learn.")
    parser.add_argument("--debug", action="store_true", help="show full tracebacks")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="run the whole pipeline (a run of the Prefect flow train-and-diagnose)",
                              description="Validate, preprocess, augment, train and evaluate, then write the report. "
                                          "Exit status: 0 report written, 2 stopped by the validation gate, 1 error.")
    run.add_argument("--data", help="folder with one subfolder per class, or a CSV manifest path,label[,split] "
                                    "(default: params data.source, the bundled digits)")
    run.add_argument("--out", help="output folder (default: params data.out, outputs/latest)")
    run.add_argument("--params", help="params YAML file (default: the project's params.yaml)")
    run.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                     help="override one params key, e.g. --set train.learning_rate=0.01 (repeatable)")
    run.add_argument("--debug", action="store_true", help=argparse.SUPPRESS)

    stage = commands.add_parser("stage", help="run one stage on the params file's data and output (used by dvc.yaml)")
    stage.add_argument("name", choices=STAGES)
    stage.add_argument("--params", help="params YAML file (default: the project's params.yaml)")
    stage.add_argument("--debug", action="store_true", help=argparse.SUPPRESS)

    serve = commands.add_parser(
        "serve", help="serve the flow as Prefect deployments 'scheduled' and 'ad-hoc' (needs a Prefect server)",
        description="Register two deployments of the flow train-and-diagnose with the Prefect server at "
                    "PREFECT_API_URL and run their flow runs in this process until interrupted: 'scheduled' "
                    "(cron from params flow.schedule) and 'ad-hoc' (start runs from the UI or with "
                    "`prefect deployment run 'train-and-diagnose/ad-hoc'`).")
    serve.add_argument("--params", help="params YAML file the deployments' runs use by default "
                                        "(default: the project's params.yaml)")
    serve.add_argument("--limit", type=int, default=1, metavar="N",
                       help="flow runs at most at once (default 1: runs share this machine's cores)")
    serve.add_argument("--debug", action="store_true", help=argparse.SUPPRESS)

    digits = commands.add_parser("digits", help="write scikit-learn's bundled digits as PNG class folders")
    digits.add_argument("folder", nargs="?", default=None, help="target folder (default: data/digits)")
    return parser


def print_summary(report: dict, report_path: Path) -> None:
    counts = report["findings_by_severity"]
    accuracy = report["metrics"].get("test_accuracy")
    print(f"\nReport:    {report_path.with_suffix('.html')}  (and {report_path.name})")
    print(f"Verdict:   {report['verdict']}")
    print(f"Accuracy:  {accuracy:.4f} on the test split" if accuracy is not None else "Accuracy:  not measured")
    print(f"Findings:  {counts['critical']} critical, {counts['warning']} warning, {counts['info']} info")
    for finding in report["findings"][:8]:
        print(f"  - [{finding['severity']}] {finding['id']}: {finding['summary']}")


def command_run(arguments: argparse.Namespace) -> int:
    from cnn_doctor.layout import read_json
    from cnn_doctor.orchestration import resolve_run

    _, _, layout = resolve_run(arguments.params, arguments.overrides, arguments.data, arguments.out)  # fail fast
    # No TensorFlow here: the augment, train and evaluate task bodies import it quietly when they run, so a
    # fully cached run never pays its 3-10 s import (bench/startup.py).
    from flows.train_and_diagnose import train_and_diagnose

    with layout.lock():  # held to the end (the flow takes it too): a second run into this folder is refused
        result = train_and_diagnose(data=arguments.data, out=arguments.out, params_file=arguments.params,
                                    overrides=arguments.overrides)
    report_path = Path(result["out"]) / "report.json"
    report = read_json(report_path)
    print_summary(report, report_path)
    return EXIT_GATED if report["status"].startswith("stopped") else EXIT_OK


def command_stage(arguments: argparse.Namespace) -> int:
    from cnn_doctor.stages import run_stage

    return EXIT_GATED if run_stage(arguments.name, arguments.params) == "gated" else EXIT_OK


def command_serve(arguments: argparse.Namespace) -> int:
    from cnn_doctor.config import UserError
    from cnn_doctor.serving import serve_deployments

    if arguments.limit < 1:
        raise UserError(f"--limit must be at least 1, not {arguments.limit}")
    serve_deployments(arguments.params, arguments.limit)
    return EXIT_OK


def command_digits(arguments: argparse.Namespace) -> int:
    from cnn_doctor.config import PROJECT_ROOT
    from tasks.sources import write_digits

    folder = write_digits(Path(arguments.folder) if arguments.folder else PROJECT_ROOT / "data" / "digits")
    print(f"Digits written to {folder}")
    return EXIT_OK


COMMANDS = {"run": command_run, "stage": command_stage, "serve": command_serve, "digits": command_digits}


def main(argv: list[str] | None = None) -> int:
    quiet_libraries()
    arguments = build_parser().parse_args(argv)
    from cnn_doctor.config import UserError

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
        message = str(error).strip().splitlines()[0] if str(error).strip() else ""
        print(f"cnn-doctor: {type(error).__name__}: {message} (rerun with --debug for the traceback)",
              file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
