"""Retrain Rasa for a saved directory version, test it, and hot-swap it in.

One job at a time, in a background thread of the process that was asked:

1. generating — a data folder under ``RASA_TRAINING_DIR/jobs/job-<id>/``: bot/data with
   ``nlu/generated_districts.yml`` and a jieba dictionary written from the version
   (bot/generate_nlu.py --from-json), ``nlu/generated_synonyms.yml`` with the knowledge
   editor's synonyms for every text the bot's data does not map already, and config.yml
   pointing at that dictionary;
2. training — ``rasa train`` (as bot/scripts/train.sh does) into a NEW file
   ``RASA_TRAINING_DIR/dianxiaoer-v<version>-job<id>.tar.gz``; the model in use is never
   touched;
3. testing — ``rasa test core --stories bot/tests/test_stories.yml
   --fail-on-prediction-errors`` on the new model (as ``make test`` does);
4. loading — ``PUT /model`` on the running server (Rasa's HTTP API, JWT from
   api/dialogue/rasa_jwt.py): Rasa swaps its agent only once the new model has loaded, so
   there is no downtime, and a failure leaves the old model serving.

Any failure keeps the old model (the new file is deleted) and stores the error for the page.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

from api.dialogue.rasa_client import DialogueUnavailable
from api.dialogue.rasa_pool import dialogue_client
from api.runtime import Runtime
from hotline.directory.store import DirectoryStore
from hotline.directory.training import JobRunning, TrainingJob, TrainingJobs
from hotline.library.rasa_export import mapped_texts, rasa_synonyms_yaml
from hotline.settings import PROJECT_ROOT

log = logging.getLogger(__name__)

RASA_BIN = PROJECT_ROOT / ".venv-rasa" / "bin" / "rasa"  # as api/supervisor.py
MODEL_PREFIX = "dianxiaoer"
LOAD_TIMEOUT_SECONDS = 300.0
GENERATE_TIMEOUT_SECONDS = 300.0
DICTIONARY_SETTING = "dictionary_path: bot/jieba_dict"
__all__ = ["JobRunning", "Retrainer", "retrainer"]


class StepFailed(RuntimeError):
    """A step of the job failed; the message is for the page (Chinese), ``log`` its output."""

    def __init__(self, message: str, output: str = "") -> None:
        super().__init__(message)
        self.output = output


def _rasa_env(runtime: Runtime) -> dict[str, str]:
    # the app's own settings and secrets (DXE_*, WECHAT_*) never go to the Rasa commands
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(("DXE_", "WECHAT_"))}
    return {**inherited, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2",
            "SQLALCHEMY_SILENCE_UBER_WARNING": "1", "TOKENIZERS_PARALLELISM": "false",
            "RASA_CACHE_DIRECTORY": str(runtime.settings.VAR_DIR / "rasa" / "cache"),
            "PYTHONPATH": str(PROJECT_ROOT)}


class Retrainer:
    """Starts jobs and runs them (one at a time per process, one active in the database)."""

    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime
        self.jobs = TrainingJobs(runtime.sessions)
        self._thread: threading.Thread | None = None

    def start(self, requested_by: str) -> TrainingJob:
        """Queue a retrain of the latest version and run it in the background."""
        saved = DirectoryStore(self._runtime.sessions).latest()
        if saved is None:
            raise LookupError("no directory version saved")
        job = self.jobs.create(saved.id, saved.nlu_fingerprint, requested_by,
                               stale_after=self._runtime.settings.RASA_TRAINING_TIMEOUT_SECONDS * 2)
        self._thread = threading.Thread(target=self.run, args=(job.id,), name=f"retrain-{job.id}",
                                        daemon=True)
        self._thread.start()
        return job

    def wait(self, timeout: float | None = None) -> None:
        """Wait for this process's running job (tests)."""
        if self._thread is not None:
            self._thread.join(timeout)

    def run(self, job_id: int) -> None:
        """Run one job to its end (success or rollback)."""
        job = self.jobs.get(job_id)
        if job is None:
            return
        settings = self._runtime.settings
        work = settings.RASA_TRAINING_DIR / "jobs" / f"job-{job.id}"
        model = settings.RASA_TRAINING_DIR / f"{MODEL_PREFIX}-v{job.version_id}-job{job.id}.tar.gz"
        output = ""
        try:
            self.jobs.update(job.id, status="running", step="generating")
            output += self._generate(job, work)
            self.jobs.update(job.id, step="training", log=output)
            output += self._train(work, model)
            self.jobs.update(job.id, step="testing", log=output, model_path=str(model))
            output += self._test(work, model)
            self.jobs.update(job.id, step="loading", log=output)
            self._load(model)
            self.jobs.update(job.id, status="succeeded", step="done", log=output)
            log.info("retrain job %s: %s loaded", job.id, model.name)
        except StepFailed as exc:
            model.unlink(missing_ok=True)  # never served: roll back to the model in use
            self.jobs.update(job.id, status="failed", step="failed", error=str(exc),
                             log=output + exc.output)
            log.error("retrain job %s failed: %s", job.id, exc)
        except Exception as exc:  # anything else: the job must still end, never stay running
            model.unlink(missing_ok=True)
            self.jobs.update(job.id, status="failed", step="failed",
                             error=f"内部错误：{type(exc).__name__}: {exc}", log=output)
            log.exception("retrain job %s crashed", job.id)
        finally:
            shutil.rmtree(work / "data", ignore_errors=True)

    def _command(self, args: list[str], what: str, env: dict[str, str] | None = None,
                 timeout: float | None = None) -> str:
        try:
            done = subprocess.run(args, cwd=PROJECT_ROOT, env=env or _rasa_env(self._runtime),
                                  capture_output=True, text=True, check=False,
                                  timeout=timeout or self._runtime.settings.RASA_TRAINING_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired as exc:
            raise StepFailed(f"{what}超时") from exc
        except OSError as exc:
            raise StepFailed(f"{what}无法启动：{exc}") from exc
        output = (done.stdout or "") + (done.stderr or "")
        if done.returncode != 0:
            raise StepFailed(f"{what}失败（退出码 {done.returncode}）", output[-3000:])
        return output[-1500:]

    def _generate(self, job: TrainingJob, work: Path) -> str:
        saved = DirectoryStore(self._runtime.sessions).get(job.version_id)
        if saved is None:
            raise StepFailed(f"名录版本 {job.version_id} 不存在")
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        shutil.copytree(PROJECT_ROOT / "bot" / "data", work / "data")
        shutil.copytree(PROJECT_ROOT / "bot" / "jieba_dict", work / "jieba_dict")
        (work / "version.json").write_text(json.dumps(saved.data, ensure_ascii=False),
                                           encoding="utf-8")
        # the knowledge editor's synonyms as entity synonyms, where the bot maps nothing yet
        nlu = work / "data" / "nlu"
        taken = mapped_texts(sorted(nlu.glob("*.yml")))
        synonyms = self._runtime.current_knowledge().synonyms
        (nlu / "generated_synonyms.yml").write_text(rasa_synonyms_yaml(synonyms, taken),
                                                    encoding="utf-8")
        config = (PROJECT_ROOT / "config.yml").read_text(encoding="utf-8")
        if DICTIONARY_SETTING not in config:
            raise StepFailed("config.yml 里找不到 jieba 词典的设置（dictionary_path）")
        (work / "config.yml").write_text(
            config.replace(DICTIONARY_SETTING, f"dictionary_path: {work / 'jieba_dict'}"),
            encoding="utf-8")
        return self._command(
            [sys.executable, "bot/generate_nlu.py", "--from-json", str(work / "version.json"),
             "--nlu-out", str(work / "data" / "nlu" / "generated_districts.yml"),
             "--jieba-out", str(work / "jieba_dict" / "districts.txt")],
            "生成训练数据", env=_rasa_env(self._runtime),
            timeout=GENERATE_TIMEOUT_SECONDS)

    def _train(self, work: Path, model: Path) -> str:
        if not RASA_BIN.exists():
            raise StepFailed(f"找不到 Rasa（{RASA_BIN}）：请先运行 make setup")
        model.parent.mkdir(parents=True, exist_ok=True)
        output = self._command(
            [str(RASA_BIN), "train", "--domain", "bot/domain.yml", "--data", str(work / "data"),
             "--config", str(work / "config.yml"), "--out", str(model.parent),
             "--fixed-model-name", model.name.removesuffix(".tar.gz"), "--augmentation", "0"],
            "训练")
        if not model.exists():
            raise StepFailed("训练结束了，但没有生成模型文件", output)
        return output

    def _test(self, work: Path, model: Path) -> str:
        env = {**_rasa_env(self._runtime), "DXE_ACTION_URL": "http://127.0.0.1:9/unused",
               "DXE_RASA_TOKEN": "unused", "DXE_RASA_TRACKER_DB": str(work / "test-tracker.db")}
        return self._command(
            [str(RASA_BIN), "test", "core", "--model", str(model),
             "--stories", "bot/tests/test_stories.yml", "--out", str(work / "results"),
             "--fail-on-prediction-errors", "--quiet"], "测试故事", env=env)

    def _load(self, model: Path) -> None:
        settings = self._runtime.settings
        client = dialogue_client(settings.RASA_URL, settings.RASA_JWT_SECRET,
                                 LOAD_TIMEOUT_SECONDS)
        if client is None:
            raise StepFailed("没有配置对话服务（DXE_RASA_URL），新模型无法加载")

        async def swap() -> str:  # into every replica; status() checks they all agree
            try:
                await client.replace_model(str(model.resolve()))
                return await client.status()
            finally:
                await client.close()

        try:
            loaded = asyncio.run(swap())
        except DialogueUnavailable as exc:
            raise StepFailed(f"对话服务没有加载新模型（旧模型继续使用）：{exc}") from exc
        if Path(loaded).name != model.name:
            raise StepFailed(f"对话服务加载后报告的模型是 {loaded}，不是 {model.name}")


_retrainers: dict[int, tuple[Runtime, Retrainer]] = {}
_lock = threading.Lock()


def retrainer(runtime: Runtime) -> Retrainer:
    """The process's retrainer for ``runtime``."""
    with _lock:
        entry = _retrainers.get(id(runtime))
        if entry is None or entry[0] is not runtime:
            entry = (runtime, Retrainer(runtime))
            _retrainers[id(runtime)] = entry
        return entry[1]
