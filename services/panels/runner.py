"""Starts selection workers as OS processes and watches them (a Nameko dependency provider).

Each job gets ``python -m involve.panels.worker JOB_ID``: the solve never runs on the eventlet
hub, so AMQP heartbeats keep flowing. A green thread per job polls the process and the job row:
when the process ends without finishing the job, the job fails with a plain message; when a
cancel was asked for and the worker has not stopped within PANELS_CANCEL_GRACE_SECONDS, the
process is terminated (then killed) and the job marked cancelled. At start-up, and every
PANELS_RECOVERY_SECONDS, jobs left queued or running with no live worker are failed.
"""
from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import time

import eventlet
from nameko.extensions import DependencyProvider

from involve.kernel import settings
from involve.kernel.db import make_engine, now, session_factory, transaction

from . import jobs
from .models import SelectionJob
from .worker import DATABASE_ENV, record_failed

log = logging.getLogger(__name__)


def _number(key: str, default: float) -> float:
    value = settings.get(key)
    try:
        return float(value) if value not in (None, "") else default
    except (TypeError, ValueError):
        return default


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a finished child of ours that nobody reaped is a zombie: not alive
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().split(") ")[-1][:1] != "Z"
    except OSError:
        return True


class Runner:
    """What a worker sees: start a job's process, ask it to stop."""

    def __init__(self, provider: SelectionRunner):
        self._provider = provider

    def start(self, job_id: str) -> None:
        self._provider.launch(job_id)

    def cancel(self, job_id: str) -> None:
        self._provider.watch_cancel(job_id)

    @property
    def leximin_seconds(self) -> float:
        return _number("PANELS_LEXIMIN_SECONDS", 120.0)


class SelectionRunner(DependencyProvider):
    def setup(self):
        self.url = settings.database_url(self.container.service_name)
        self.engine = make_engine(self.url)
        self.sessions = session_factory(self.engine)
        self.host = socket.gethostname()
        self.processes: dict[str, subprocess.Popen] = {}
        self.grace = _number("PANELS_CANCEL_GRACE_SECONDS", 5.0)
        self.recovery_every = _number("PANELS_RECOVERY_SECONDS", 30.0)
        self._running = False

    def start(self):
        self._running = True
        self.recover()
        self.container.spawn_managed_thread(self._recover_forever, identifier="panels-recovery")

    def stop(self):
        self._running = False
        for job_id, process in list(self.processes.items()):
            if process.poll() is None:
                log.warning("stopping selection worker for job %s: the service is stopping", job_id)
                self._terminate(process)
            self._finalise(job_id, process, "This selection stopped because the panels service "
                                            "stopped. Nothing was chosen; please start it again.")
        self.processes.clear()
        self.engine.dispose()

    def kill(self):
        self.stop()

    def get_dependency(self, worker_ctx):
        return Runner(self)

    # ---------------------------------------------------------------------------------
    def recover(self) -> list[str]:
        try:
            with transaction(self.sessions) as session:
                failed = jobs.recover(session, self.host, pid_alive,
                                      stale_after=max(600.0, 4 * self.recovery_every))
                for job_id in failed:
                    record_failed(session, session.get(SelectionJob, job_id))
        except Exception as exc:
            log.warning("could not check for abandoned selection jobs: %s", exc)
            return []
        for job_id in failed:
            log.warning("selection job %s had no live worker and was marked failed", job_id)
        return failed

    def _recover_forever(self):
        while self._running:
            eventlet.sleep(self.recovery_every)
            if self._running:
                self.recover()

    def launch(self, job_id: str) -> None:
        env = dict(os.environ)
        env[DATABASE_ENV] = self.url
        process = subprocess.Popen([sys.executable, "-m", "involve.panels.worker", job_id],
                                   env=env, stdin=subprocess.DEVNULL, close_fds=True)
        self.processes[job_id] = process
        with transaction(self.sessions) as session:
            job = session.get(SelectionJob, job_id)
            job.worker_pid = process.pid
            job.worker_host = self.host
            job.heartbeat_at = now()
        self.container.spawn_managed_thread(lambda: self._watch(job_id, process),
                                            identifier=f"panels-job-{job_id}")

    def watch_cancel(self, job_id: str) -> None:
        """Nothing to do at once: the watcher sees the flag and enforces the grace period."""

    def _watch(self, job_id: str, process: subprocess.Popen) -> None:
        cancel_seen = None
        while process.poll() is None:
            eventlet.sleep(0.2)
            try:
                with self.sessions() as session:
                    job = session.get(SelectionJob, job_id)
                    wants_stop = job is not None and (job.cancel_requested
                                                      or job.status in jobs.FINISHED)
            except Exception:
                continue
            if wants_stop:
                cancel_seen = cancel_seen or time.monotonic()
                if time.monotonic() - cancel_seen > self.grace:
                    log.warning("selection worker for job %s did not stop within %.0fs; "
                                "terminating it", job_id, self.grace)
                    self._terminate(process)
                    self._finalise(job_id, process, "Cancelled at your request. Nothing was "
                                                    "chosen.", state="cancelled")
                    break
        self._finalise(job_id, process, "This selection's worker ended unexpectedly (exit code "
                                        f"{process.returncode}). Nothing was chosen; please try "
                                        "again.")
        self.processes.pop(job_id, None)

    @staticmethod
    def _terminate(process: subprocess.Popen) -> None:
        process.terminate()
        deadline = time.monotonic() + 2.0
        while process.poll() is None and time.monotonic() < deadline:
            eventlet.sleep(0.1)
        if process.poll() is None:
            process.kill()
            process.wait()

    def _finalise(self, job_id: str, process, message: str, state: str = "failed") -> None:
        """If the process ended and left the job unfinished, finish it now."""
        if process.poll() is None:
            return
        try:
            with transaction(self.sessions) as session:
                job = session.get(SelectionJob, job_id)
                if job is not None and job.status in jobs.ACTIVE:
                    if job.cancel_requested:
                        state, message = "cancelled", "Cancelled at your request. Nothing was chosen."
                    jobs.finish(job, state, message)
                    if state == "failed":
                        record_failed(session, job)
        except Exception as exc:
            log.warning("could not record the end of selection job %s: %s", job_id, exc)
