"""``make eval``: the dev and the blind set, through the real product, side by side.

Every question goes through ``/api/chat`` in a fresh conversation twice: with the real Rasa
server behind the app (the product) and with the app alone (its direct, degraded mode).
Retrieval alone is scored too (rank of the right source). The blind set's multi-turn
handoffs are played by a scripted enterprise that answers whatever the assistant asks.

``--fit`` refits the confidence model and the answer threshold on the dev set first
(``eval/calibration.json``); the blind set is never used for fitting or tuning.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from api.main import create_app
from api.runtime import Runtime
from api.supervisor import dialogue_stack, free_port, serve_in_thread
from eval import calibrate, choices, report
from eval.probes import ChatProbe
from eval.scoring import (
    DialogueResult,
    Judged,
    confusion,
    place_breakdown,
    run_dialogue,
    run_questions,
    summarise,
)
from eval.sets import Dialogue, Question, load_dialogues, load_questions
from hotline.settings import get_settings
from retrieval.calibration import Calibration

EVAL_TOKEN = "eval-dialogue-token"


@contextmanager
def direct_app(runtime: Runtime) -> Iterator[str]:
    """The app alone (no dialogue server): its direct, degraded mode."""
    port = free_port()
    settings = runtime.settings.model_copy(update={"RASA_URL": "", "PORT": port})
    with serve_in_thread(create_app(settings=settings, runtime=runtime), port):
        yield f"http://127.0.0.1:{port}"


def run_path(probe: ChatProbe, runtime: Runtime, sets: dict[str, list[Question]],
             dialogues: list[Dialogue], name: str
             ) -> dict[str, tuple[list[Judged], list[DialogueResult]]]:
    """Every set through one path."""
    assert runtime.searcher is not None
    results = {}
    for set_name, questions in sets.items():
        print(f"  {name}: {set_name} ({len(questions)} questions)…", file=sys.stderr)
        rows = run_questions(probe, runtime.knowledge, runtime.searcher, questions, name)
        played = [run_dialogue(probe, d, f"{name}-dialogue-{d.id}") for d in dialogues] \
            if set_name == "blind" else []
        results[set_name] = (rows, played)
    return results


def fit_on_dev(runtime: Runtime, dev: list[Question], path: Path) -> str:
    """Refit the calibration and the threshold on dev; returns the sweep table."""
    assert runtime.searcher is not None
    searcher = runtime.searcher
    rows = calibrate.ranked(runtime.knowledge, searcher, dev)
    fitted = calibrate.fit(rows, runtime.knowledge, searcher)
    table = calibrate.sweep(rows, fitted, runtime.knowledge)
    chosen = calibrate.best_threshold(table)
    Calibration(fitted.intercept, fitted.coefficients, chosen).save(
        path, note=f"fitted on the dev set ({len(rows)} questions + referral examples); "
                   f"threshold by cost {calibrate.WRONG_COST:g}:{calibrate.DECLINE_COST:g}")
    runtime.load_index()
    return calibrate.sweep_table(table, chosen)


def main(argv: list[str] | None = None) -> int:
    """Print the tables; with --fit, refit and save the calibration first."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--fit", action="store_true", help="refit calibration + threshold on dev")
    parser.add_argument("--sweep", action="store_true", help="print the dev threshold sweep")
    parser.add_argument("--sets", default="dev,blind,blind_places",
                        help="comma-separated: dev, blind, blind_places")
    parser.add_argument("--choices", action="store_true",
                        help="print the dev sweep of the 猜你想问 floor (DXE_CHOICE_THRESHOLD)")
    parser.add_argument("--no-rasa", action="store_true", help="direct path only")
    parser.add_argument("--no-direct", action="store_true", help="Rasa path only")
    parser.add_argument("--failures", type=Path, help="write every wrong row to this file")
    args = parser.parse_args(argv)

    workdir = Path(tempfile.mkdtemp(prefix="dxe-eval-"))
    settings = get_settings().model_copy(update={
        "DATABASE_URL": f"sqlite:///{workdir / 'eval.sqlite3'}",
        "RATE_LIMITS_ENABLED": False,  # a load generator by design
        "ESCALATION_INTERVAL_SECONDS": 0})
    runtime = Runtime.start(settings)
    if runtime.searcher is None:
        print(f"index not served: {runtime.index_state.detail} (run make setup)", file=sys.stderr)
        return 1
    sets = {name: load_questions(name) for name in args.sets.split(",")}
    dialogues = load_dialogues() if "blind" in sets else []
    sweep = None
    if args.fit or args.sweep:
        dev = sets.get("dev") or load_questions("dev")
        if args.fit:
            sweep = fit_on_dev(runtime, dev, settings.CALIBRATION_FILE)
        else:
            table = calibrate.sweep(calibrate.ranked(runtime.knowledge, runtime.searcher, dev),
                                    runtime.searcher.calibration, runtime.knowledge)
            sweep = calibrate.sweep_table(table, runtime.answer_threshold)

    if args.choices:
        dev = sets.get("dev") or load_questions("dev")
        declined = choices.declined(runtime.knowledge, runtime.searcher,
                                    runtime.answer_threshold, dev)
        floors = choices.floor_sweep(declined)
        print(choices.floor_table(floors, choices.best_floor(floors),
                                  sum(d.question.kind == "inscope" for d in declined)) + "\n")

    paths: dict[str, dict[str, tuple[list[Judged], list[DialogueResult]]]] = {}
    if not args.no_rasa:
        try:
            with dialogue_stack(settings, workdir, EVAL_TOKEN, runtime=runtime) as stack:
                probe = ChatProbe(stack.app_url, stack.rasa_url,
                                  stack.settings.RASA_JWT_SECRET)
                paths["rasa"] = run_path(probe, runtime, sets, dialogues, "rasa")
                probe.close()
        except RuntimeError as exc:
            print(f"Rasa path skipped: {exc}", file=sys.stderr)
    if not args.no_direct:
        with direct_app(runtime) as url:
            probe = ChatProbe(url)
            paths["direct"] = run_path(probe, runtime, sets, dialogues, "direct")
            probe.close()

    searcher = runtime.searcher
    print(f"answer threshold {runtime.answer_threshold:.2f} "
          f"({'setting' if settings.ANSWER_THRESHOLD is not None else 'calibration'}), "
          f"model {settings.EMBEDDING_MODEL}, {len(searcher.index.units)} index units\n")
    for path_name, results in paths.items():
        columns = {name: summarise(rows, played if name == "blind" else None)
                   for name, (rows, played) in results.items()}
        title = {"rasa": "through /api/chat with the Rasa server (the product)",
                 "direct": "through /api/chat, direct mode (Rasa down)"}[path_name]
        print(report.side_by_side(title, columns) + "\n")
    if "rasa" in paths and "blind" in paths["rasa"]:
        rows, _ = paths["rasa"]["blind"]
        print(report.places_table(place_breakdown(rows)))
        print()
        print(report.confusion_table(confusion(rows)) + "\n")
    if "rasa" in paths and "blind_places" in paths["rasa"]:
        rows, _ = paths["rasa"]["blind_places"]
        print(report.places_table(place_breakdown(rows), "blind_places") + "\n")
    if "rasa" in paths and "direct" in paths:
        for name in paths["rasa"]:
            pairs = zip(paths["rasa"][name][0], paths["direct"][name][0], strict=True)
            same = [a.correct == b.correct for a, b in pairs]
            print(f"{name}: Rasa and direct paths agree on right/wrong for "
                  f"{sum(same)}/{len(same)} questions")
    if sweep:
        print("\n" + sweep)
    if args.failures:
        text = "\n\n".join(f"== {path} / {name}\n" + report.failures(rows, played)
                           for path, results in paths.items()
                           for name, (rows, played) in results.items())
        args.failures.write_text(text, encoding="utf-8")
        print(f"\nwrong rows written to {args.failures}")
    runtime.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
