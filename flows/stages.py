"""The stages of a quarter as the operator watches them: the pipeline's plain steps, each wrapped
so that it shows one line when it ends (and a bar or a spinner while it runs)."""

from __future__ import annotations

import threading
from contextlib import ExitStack, contextmanager
from pathlib import Path

from flows.console import Stages, fmt


class StageLines:
    """Opens a stage when its first step starts and closes it when the next stage starts."""

    def __init__(self, stages: Stages | None = None) -> None:
        self.stages = stages or Stages()
        self._stack: ExitStack | None = None
        self._name: str | None = None
        self.handle = None

    def begin(self, name: str, text: str, total: int | None = None):
        if self._name == name:
            return self.handle
        self.end()
        self._stack = ExitStack()
        self.handle = self._stack.enter_context(self.stages.stage(text, total))
        self._name = name
        return self.handle

    def fail(self) -> None:
        """The running stage stopped on an error: its line says so (the error itself follows once)."""
        if self.handle is not None and self._stack is not None:
            self.handle.failed = True
        self.end()

    def end(self) -> None:
        if self._stack is not None:
            stack, self._stack, self._name = self._stack, None, None
            stack.close()


def console_steps(n_files: int, lines: StageLines):
    """A `flows.steps.Steps` of the plain functions with stage lines around them."""
    from flows import steps as q

    read = {"files": 0, "rows": 0, "karantina": 0}

    def ingest(path, kind, ctx):
        stage = lines.begin("baca", f"Membaca dan memeriksa {n_files} berkas", total=n_files)
        got = q.ingest(path, kind, ctx)
        read["files"] += 1
        read["rows"] += got.rows
        read["karantina"] += got.karantina.height
        stage.advance(path.name)
        stage.done(f"{read['files']} berkas dibaca: {fmt(read['rows'])} baris, "
                   f"{fmt(read['karantina'])} dikarantina")
        return got

    def match(*args):
        lines.begin("cocok", "Mencocokkan dengan daftar pemilih dan memutuskan")
        return q.match(*args)

    def decide(*args):
        stage = lines.begin("cocok", "Mencocokkan dengan daftar pemilih dan memutuskan")
        decision = q.decide(*args)
        stage.done(f"dicocokkan: {fmt(decision.perubahan.height)} perubahan, "
                   f"{fmt(decision.verifikasi.height)} kandidat verifikasi")
        return decision

    def apply(*args):
        stage = lines.begin("terapkan", "Menerapkan ke basis data (satu transaksi)")
        q.apply(*args)
        stage.done("diterapkan ke basis data dalam satu transaksi")

    def reports(data, ringkasan, tables, out_dir):
        n_desa = data.desa.height
        stage = lines.begin("laporan", f"Menulis laporan {fmt(n_desa)} desa/kelurahan dan rekap kabupaten",
                            total=2 * n_desa)
        with _count_workbooks(stage, out_dir):
            paths = q.write_reports(data, ringkasan, tables, out_dir)
        stage.done(f"{fmt(len(paths))} berkas laporan ditulis ({fmt(n_desa)} desa/kelurahan)")
        return paths

    def publish(data, out_dir):
        stage = lines.begin("publikasi", "Menulis data terbuka, infografis dan siaran pers")
        paths = q.publish(data, out_dir)
        stage.done(f"publikasi ditulis ({fmt(len(paths))} berkas)")
        lines.end()
        return paths

    return q.Steps(ingest=ingest, match=match, decide=decide, apply=apply, reports=reports, publish=publish)


@contextmanager
def _count_workbooks(stage, out_dir: Path):
    """The bar of the report stage: workbooks written so far (desa and pengumuman, one each per
    desa), counted in the output folder; the writers run in worker processes of their own."""
    if not stage.progress.live.console.is_terminal:
        yield
        return
    stop = threading.Event()

    def count() -> None:
        while not stop.wait(0.5):
            done = sum(len(list((out_dir / sub).glob("*.xlsx"))) for sub in ("desa", "pengumuman")
                       if (out_dir / sub).is_dir())
            stage.progress.update(stage.task, completed=done)

    watcher = threading.Thread(target=count, daemon=True)
    watcher.start()
    try:
        yield
    finally:
        stop.set()
        watcher.join()


def console_ingest(lines: StageLines):
    """The baseline's one file, for `pdpb init`."""
    from flows import steps as q

    def ingest(path, kind, ctx):
        stage = lines.begin("baca", f"Membaca dan memeriksa {path.name}")
        got = q.ingest(path, kind, ctx)
        stage.done(f"{path.name} dibaca: {fmt(got.rows)} baris, {fmt(got.karantina.height)} dikarantina")
        lines.end()
        lines.begin("tulis", "Menulis daftar pemilih awal ke basis data")
        return got

    return ingest
