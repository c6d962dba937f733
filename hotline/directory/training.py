"""Rows of the Rasa retrain jobs: create one, move it through its steps, read it back, and
whether the latest directory version needs a retrain at all."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from hotline.audit.log import record
from hotline.db import read_sessions
from hotline.directory.models import DirectoryVersion, RasaTrainingJob
from hotline.tickets.models import utcnow

ACTIVE = ("queued", "running")
LOG_LIMIT = 4000  # characters of the log kept (its tail)
STEPS = {"queued": "排队中", "generating": "生成训练数据", "training": "训练模型",
         "testing": "运行测试故事", "loading": "加载新模型", "done": "完成", "failed": "失败"}


class JobRunning(RuntimeError):
    """A retrain is running already (one at a time)."""


@dataclass(frozen=True, slots=True)
class TrainingJob:
    """One retrain as read back."""

    id: int
    version_id: int
    nlu_fingerprint: str
    requested_by: str
    status: str
    step: str
    step_label: str
    created_at: datetime
    finished_at: datetime | None
    model_path: str | None
    error: str | None
    log: str | None


def _job(row: RasaTrainingJob) -> TrainingJob:
    return TrainingJob(row.id, row.version_id, row.nlu_fingerprint, row.requested_by, row.status,
                       row.step, STEPS.get(row.step, row.step), row.created_at, row.finished_at,
                       row.model_path, row.error, row.log)


class TrainingJobs:
    """The retrain jobs table."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions
        self._reads = read_sessions(sessions)

    def create(self, version_id: int, fingerprint: str, requested_by: str,
               stale_after: float) -> TrainingJob:
        """A queued job for ``version_id``; :class:`JobRunning` if one is active. An active
        job older than ``stale_after`` seconds (its process died) is marked failed first."""
        with self._sessions.begin() as session:
            active = session.scalars(select(RasaTrainingJob)
                                     .where(RasaTrainingJob.status.in_(ACTIVE))).first()
            if active is not None and utcnow() - active.created_at > timedelta(seconds=stale_after):
                active.status, active.step = "failed", "failed"
                active.error = "训练进程已中断（超时未完成）"
                active.finished_at = utcnow()
            elif active is not None:
                raise JobRunning(f"job {active.id} is {active.status}")
            row = RasaTrainingJob(version_id=version_id, nlu_fingerprint=fingerprint,
                                  requested_by=requested_by[:64], status="queued", step="queued")
            session.add(row)
            session.flush()
            record(session, requested_by, "rasa.train", "rasa_model", row.id, None,
                   {"version": version_id})
            return _job(row)

    def update(self, job_id: int, *, status: str | None = None, step: str | None = None,
               model_path: str | None = None, error: str | None = None,
               log: str | None = None) -> None:
        """Move a job on; a final status sets ``finished_at``."""
        with self._sessions.begin() as session:
            row = session.get(RasaTrainingJob, job_id)
            if row is None:
                return
            if status is not None:
                row.status = status
                if status not in ACTIVE:
                    row.finished_at = utcnow()
            if step is not None:
                row.step = step
            if model_path is not None:
                row.model_path = model_path[:500]
            if error is not None:
                row.error = error[-LOG_LIMIT:]
            if log is not None:
                row.log = log[-LOG_LIMIT:]

    def get(self, job_id: int) -> TrainingJob | None:
        """One job."""
        with self._reads() as session:
            row = session.get(RasaTrainingJob, job_id)
            return _job(row) if row else None

    def recent(self, limit: int = 10) -> list[TrainingJob]:
        """The newest jobs first."""
        with self._reads() as session:
            rows = session.scalars(select(RasaTrainingJob)
                                   .order_by(RasaTrainingJob.id.desc()).limit(limit)).all()
            return [_job(row) for row in rows]

    def latest_model(self) -> str | None:
        """The model file of the last successful retrain, if it is still on disk."""
        from pathlib import Path

        with self._reads() as session:
            paths = session.scalars(select(RasaTrainingJob.model_path)
                                    .where(RasaTrainingJob.status == "succeeded")
                                    .order_by(RasaTrainingJob.id.desc()).limit(1)).all()
        return next((p for p in paths if p and Path(p).is_file()), None)

    def served_fingerprint(self) -> str | None:
        """What the model in use was trained on: the last successful job's data, else the
        seed files' (``make setup`` trains from them)."""
        with self._reads() as session:
            done = session.scalar(select(RasaTrainingJob.nlu_fingerprint)
                                  .where(RasaTrainingJob.status == "succeeded")
                                  .order_by(RasaTrainingJob.id.desc()).limit(1))
            if done is not None:
                return done
            return session.scalar(select(DirectoryVersion.nlu_fingerprint)
                                  .where(DirectoryVersion.seed_hash.is_not(None))
                                  .order_by(DirectoryVersion.id.desc()).limit(1))
