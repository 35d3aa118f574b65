"""RawExtract → typed records + quarantine rows (SPEC §4.3, §5.1).

Every data row of the file ends in exactly one of the two frames. A row is quarantined for
its first failing column (in `FIELD_ORDER`), with the reason in Bahasa Indonesia and the
cell as typed. Parsing is vectorized; only distinct desa names are resolved in Python.

Decisions:
- NIK trust (`nik_andal`): true only for a 16-digit NIK typed as text (not an Excel number,
  not scientific notation, not a serial 0000 that Excel left of 000x) with a valid structure
  (province code of the region table, possible DDMMYY with day+40 for women) that agrees
  with the row's birth date and sex where those are given. A NIK that went through a number
  keeps its digits when all 16 are known, untrusted; one that lost digits becomes null.
- SPEC §4.3: a NIK typed as text that, after removing spaces, dots and dashes, holds
  letters or other characters (full-width digits included) or is not 16 digits quarantines
  any row, with the reason; so does a 16-digit one whose structure is impossible. A NIK that
  lost digits quarantines the row for the baseline (`pemilih`: the NIK is the voter's key)
  and for rows that cannot be identified otherwise; an event row with a name, a birth date
  or age, and a desa goes on with `nik` null and is matched by those fields. Words for
  "none" (`tanpa_nomor` in codes.csv) are no NIK. The NKK follows the same rules.
- `perbaikan`: a blank cell means "no change". `kolom_isi` lists the correctable fields
  (schemas.fields.CORRECTABLE_FIELDS) whose cells are not blank, except `nama`: the name
  identifies the person in the file (with the NIK) and is not read as a correction.
  `desa`/`kecamatan` names count as `kode_desa`. `kode_tms` (5 or 9) comes only from
  `perbaikan` files.
- `keputusan`: only `id_verifikasi`, `keputusan`, `catatan` (and `nama`, for display) are read; a
  blank `keputusan` means "not decided yet", not an error.
- Fields a kind does not use (e.g. a `STATUS` column in the baseline) are ignored (null).
- Dates: after `tanggal_acuan` or before 1900 → quarantine; an event dated before
  `awal_kuartal` is kept (late reports of earlier events are normal).
- Performance: each column is parsed by a cheap expression for its usual spelling and the
  general (regex) parser only for the rows left over; pandera validates the collected frame.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import pandera.polars as pa
import polars as pl

from schemas.fields import (
    BASELINE_KIND,
    CORRECTABLE_FIELDS,
    DATE_FIELDS,
    EVENT_FIELDS,
    INBOX_KINDS,
    REQUIRED_FIELDS,
)
from schemas.frames import KARANTINA_SCHEMA, RECORD_SCHEMA, Parsed  # noqa: F401  (the parse stage's contract)
from schemas.models import REASONS, Rules, schema_for
from transforms.errors import InputError
from transforms.parse_desa import DesaResolver, normalize_code_expr
from transforms.parse_values import (
    clean_text_series,
    code_series,
    nik_agrees,
    nik_parts_frame,
    nik_shape_frame,
    SIAK_REGION,
    evidence_from_flag,
    siak_region_code,
    nik_valid,
    nkk_valid,
    on_series,
    parse_date_series,
    patch,
    rt_rw_series,
    split_rt_rw,
    text_format,
    umur_series,
)
from transforms.read import RawExtract, load_aliases
from transforms.wilayah import kabupaten_name, load_wilayah


@dataclass(frozen=True)
class ParseContext:
    kode_kabupaten: str
    desa: pl.DataFrame  # transforms.wilayah.desa_of_kabupaten(...)
    tanggal_acuan: date  # last day of the quarter; dates after it are invalid
    awal_kuartal: date | None = None






# Raw text columns a file may carry (read.py's canonical names).
RAW_FIELDS: tuple[str, ...] = (
    "nik", "nkk", "nama", "tempat_lahir", "tanggal_lahir", "umur", "jenis_kelamin",
    "status_kawin", "alamat", "rt", "rw", "rt_rw", "disabilitas", "kode_desa", "desa", "kecamatan",
    "tps", "tanggal_meninggal", "tanggal_pindah", "tanggal_datang", "tujuan", "asal",
    "instansi", "perubahan", "id_verifikasi", "keputusan", "kode_tms", "catatan",
    "no_prop", "no_kab", "no_kec", "no_kel", "no_bukti", "akta_kematian",
)  # fmt: skip

# The order in which a row's columns are judged: the first failing one is reported.
FIELD_ORDER: tuple[str, ...] = (
    "id_verifikasi", "keputusan", "nik", "nkk", "nama", "tempat_lahir", "tanggal_lahir",
    "umur", "jenis_kelamin", "status_kawin", "alamat", "rt", "rw", "disabilitas",
    "kode_desa", "desa", "kecamatan", "tps", "tanggal_meninggal", "tanggal_pindah",
    "tanggal_datang", "tujuan", "asal", "instansi", "perubahan", "kode_tms", "catatan",
)  # fmt: skip
_ORDER = {f: i for i, f in enumerate(FIELD_ORDER)}

PERSON_RAW: tuple[str, ...] = (
    "nik", "nkk", "nama", "tempat_lahir", "tanggal_lahir", "jenis_kelamin", "status_kawin",
    "alamat", "rt", "rw", "rt_rw", "disabilitas", "kode_desa", "desa", "kecamatan", "tps",
    "no_prop", "no_kab", "no_kec", "no_kel", "no_bukti", "akta_kematian",
)  # fmt: skip

LABELS: dict[str, str] = {
    "nik": "NIK",
    "nkk": "NKK",
    "nama": "nama",
    "tempat_lahir": "tempat lahir",
    "tanggal_lahir": "tanggal lahir",
    "umur": "umur",
    "jenis_kelamin": "jenis kelamin",
    "status_kawin": "status perkawinan",
    "kode_desa": "kode desa",
    "desa": "desa/kelurahan",
    "kecamatan": "kecamatan",
    "tanggal_meninggal": "tanggal meninggal",
    "tanggal_pindah": "tanggal pindah",
    "tanggal_datang": "tanggal datang",
    "instansi": "instansi",
    "perubahan": "perubahan",
    "id_verifikasi": "ID verifikasi",
    "keputusan": "keputusan",
    "kode_tms": "kode TMS",
}


def _raw(field: str) -> str:
    return f"_raw_{field}"


def _fields_for(kind: str) -> set[str]:
    """The raw fields a kind reads; the others are ignored."""
    if kind == "keputusan":
        return {"id_verifikasi", "keputusan", "nama", "catatan"}
    used = set(PERSON_RAW) | set(EVENT_FIELDS[kind])
    if kind == "perbaikan":
        used.add("kode_tms")
    return used


def _required(kind: str) -> tuple[str, ...]:
    return tuple(f for f in REQUIRED_FIELDS[kind] if f != "kode_desa")


def _check_columns(raw: RawExtract, kind: str) -> None:
    present = set(raw.frame.columns)
    aliases = load_aliases()
    for field in _required(kind):
        if field not in present:
            examples = [a for a, f in aliases.items() if f == field][:3]
            raise InputError(
                f"kolom wajib '{field}' tidak ada (judul kolom yang dikenal: {', '.join(examples)})",
                file=raw.file_name,
                sheet=raw.sheet,
                row=raw.header_row,
                column=field,
            )
    if kind == BASELINE_KIND and not present & {"kode_desa", "desa", "no_kel"}:
        raise InputError(
            "kolom wajib 'kode_desa' tidak ada (atau kolom DESA/KELURAHAN dengan KECAMATAN)",
            file=raw.file_name,
            sheet=raw.sheet,
            row=raw.header_row,
            column="kode_desa",
        )


@lru_cache(maxsize=8)
def _provinces() -> frozenset[str]:
    wilayah = load_wilayah()
    return frozenset(wilayah.filter(pl.col("level") == "provinsi").get_column("kode").to_list())


def parse_extract(raw: RawExtract, kind: str, ctx: ParseContext) -> Parsed:
    """Typed records and quarantine rows for one extract of `kind`."""
    if kind not in REQUIRED_FIELDS:
        raise ValueError(f"unknown kind {kind!r}; expected one of {(BASELINE_KIND, *INBOX_KINDS)}")
    _check_columns(raw, kind)
    if kind == "coklit":
        from transforms.coklit import parse_coklit

        return parse_coklit(raw)
    kab_name = kabupaten_name(ctx.kode_kabupaten)
    provinces = _provinces()
    used = _fields_for(kind)
    present = set(raw.frame.columns)

    # A frame handed in by a caller may be made of several chunks (`pl.concat` does not
    # rechunk by default); every step below assumes one.
    work = raw.frame.rechunk().with_row_index("_idx")
    work = work.select(
        "_idx",
        "sumber_baris",
        *[
            (pl.col(f) if f in present and f in used else pl.lit(None, pl.Utf8)).alias(_raw(f))
            for f in RAW_FIELDS
        ],
        *[
            (pl.col(f"{f}_numerik") if f"{f}_numerik" in present else pl.lit(False)).alias(f"_{f}_numerik")
            for f in ("nik", "nkk")
        ],
    )

    # SIAK exports name the place by four numbers (NO_PROP 33, NO_KAB 23, NO_KEC 1, NO_KEL
    # 2001) instead of a region code, and the evidence by an akta or SKPWNI number.
    work = work.with_columns(
        pl.coalesce(pl.col(_raw("kode_desa")), siak_region_code(*[pl.col(_raw(f)) for f in SIAK_REGION]))
        .alias(_raw("kode_desa")),
        pl.coalesce(pl.col(_raw("no_bukti")), evidence_from_flag(pl.col(_raw("akta_kematian")))).alias("_bukti"),
    )

    # --- typed values ------------------------------------------------------------------
    # One `RT/RW` column stands in for RT and RW when the file has no column of its own for them.
    rt_part, rw_part = split_rt_rw(work.get_column(_raw("rt_rw")))
    work = work.with_columns(
        pl.coalesce(pl.col(_raw("rt")), pl.lit(rt_part)).alias(_raw("rt")),
        pl.coalesce(pl.col(_raw("rw")), pl.lit(rw_part)).alias(_raw("rw")),
    )
    col = work.get_column
    nik = nik_shape_frame(col(_raw("nik")), nik_parts_frame(col(_raw("nik")), col("_nik_numerik")))
    nkk = nik_shape_frame(col(_raw("nkk")), nik_parts_frame(col(_raw("nkk")), col("_nkk_numerik")))
    work = work.with_columns(
        *[nik.get_column(c).alias(f"_nik_{c}") for c in nik.columns],
        *[nkk.get_column(c).alias(f"_nkk_{c}") for c in nkk.columns],
        clean_text_series(col(_raw("nama")), upper=True).alias("nama"),
        *[
            clean_text_series(col(_raw(f))).alias(f)
            for f in ("tempat_lahir", "alamat", "disabilitas", "tps", "tujuan", "asal", "id_verifikasi", "catatan")
        ],
        *[parse_date_series(col(_raw(f))).alias(f) for f in DATE_FIELDS],
        umur_series(col(_raw("umur"))).alias("umur"),
        *[
            code_series(col(_raw(f)), f).alias(f)
            for f in ("jenis_kelamin", "status_kawin", "instansi", "perubahan", "keputusan")
        ],
        rt_rw_series(col(_raw("rt"))).alias("rt"),
        rt_rw_series(col(_raw("rw"))).alias("rw"),
        umur_series(col(_raw("kode_tms"))).cast(pl.Int64).alias("kode_tms"),
        clean_text_series(col("_bukti"), upper=True).alias("no_bukti"),
    )
    work = _resolve_desa(work, ctx, kab_name)

    # Identifiable without a NIK: a name, a birth date or age, and a place.
    identifiable = (
        pl.col("nama").is_not_null()
        & (pl.col("tanggal_lahir").is_not_null() | pl.col("umur").is_not_null())
        & (pl.col(_raw("kode_desa")).is_not_null() | pl.col(_raw("desa")).is_not_null())
    )
    nik_ok = nik_valid(pl.col("_nik_digits"), pl.col("_nik_dari_angka"), provinces)
    nkk_ok = nkk_valid(pl.col("_nkk_digits"), provinces)
    tolerate = pl.lit(kind != BASELINE_KIND) & identifiable
    # SPEC §4.3/§5.1. A NIK that lost digits (a number cell, scientific notation, a serial
    # Excel rounded to 0000) is set aside on an identifiable event row: matched by the other
    # fields. A NIK typed as text with letters, other characters or not 16 digits is a wrong
    # value and quarantines the row (`_nik_salah`, judged in `_parse_failures`); so does a
    # 16-digit one with an impossible structure (province, date: pandera). Placeholders
    # ("-", "BELUM ADA") are no NIK at all.
    work = work.with_columns(
        pl.when(pl.col("_nik_kosong") | (~nik_ok & tolerate & pl.col("_nik_dari_angka")))
        .then(None)
        .otherwise(pl.col("_nik_digits"))
        .alias("nik"),
        pl.when(pl.col("_nkk_kosong") | (~nkk_ok & pl.lit(kind != BASELINE_KIND) & pl.col("_nkk_dari_angka")))
        .then(None)
        .otherwise(pl.col("_nkk_digits"))
        .alias("nkk"),
        pl.col("_nik_dari_angka").alias("_nik_angka"),
    ).with_columns(
        (
            pl.col("nik").is_not_null()
            & nik_ok
            & ~pl.col("_nik_dari_angka")
            & nik_agrees(pl.col("nik"), pl.col("tanggal_lahir"), pl.col("jenis_kelamin"))
        ).alias("nik_andal"),
        (pl.col("nkk").is_not_null() & nkk_ok & ~pl.col("_nkk_dari_angka")).alias("nkk_andal"),
        pl.lit(raw.file_name).alias("sumber_file"),
        pl.lit(kind).alias("jenis"),
        _kolom_isi(kind, present).alias("kolom_isi"),
    )

    # --- parse-level failures (text that is not a value) -----------------------------
    failures = [_parse_failures(work, kind, tolerate)]
    # --- row rules (pandera) ------------------------------------------------------------
    rules = Rules(ctx.tanggal_acuan, provinces, frozenset(ctx.desa.get_column("kode_desa").to_list()))
    failures.append(_pandera_failures(work, kind, rules))
    fails = (
        pl.concat(failures, how="vertical")
        .sort("_idx", "_order", "_src")
        .unique("_idx", keep="first", maintain_order=True)
    )

    context = {"kabupaten": kab_name, "acuan": ctx.tanggal_acuan.strftime("%d-%m-%Y")}
    karantina = _karantina(work, fails, raw, context)
    if fails.height:
        work = work.filter(~pl.col("_idx").is_in(fails.get_column("_idx").implode()))
    records = work.select([pl.col(c).cast(t) for c, t in RECORD_SCHEMA.items()]).rechunk()
    return Parsed(records=records, karantina=karantina.rechunk())


def _kolom_isi(kind: str, present: set[str]) -> pl.Expr:
    if kind != "perbaikan":
        return pl.lit(None, pl.List(pl.Utf8))
    parts = []
    for field in CORRECTABLE_FIELDS:
        if field == "nama":
            continue
        sources = [field] + (["desa", "kecamatan"] if field == "kode_desa" else [])
        sources = [s for s in sources if s in present]
        if not sources:
            continue
        filled = pl.any_horizontal(pl.col(_raw(s)).is_not_null() for s in sources)
        parts.append(pl.when(filled).then(pl.lit(field)))
    if not parts:
        return pl.lit([], pl.List(pl.Utf8))
    return pl.concat_list(parts).list.drop_nulls()


def _resolve_desa(work: pl.DataFrame, ctx: ParseContext, kab_name: str) -> pl.DataFrame:
    """`kode_desa` from a typed code, else from desa (+ kecamatan) names, each distinct pair
    resolved once."""
    raw_code = work.get_column(_raw("kode_desa"))
    # Codes typed as in the region table need no normalizing; the rest are normalized.
    need = raw_code.is_not_null() & ~raw_code.is_in(ctx.desa.get_column("kode_desa").implode())
    typed = patch(raw_code, need, lambda sub: on_series(sub, normalize_code_expr), raw_code)
    work = work.with_columns(typed.alias("_kode_typed"))
    typed = pl.col("_kode_typed")
    names = work.filter(pl.col(_raw("kode_desa")).is_null() & pl.col(_raw("desa")).is_not_null())
    if names.height == 0:
        return work.with_columns(
            typed.alias("kode_desa"),
            pl.lit(None, pl.List(pl.Utf8)).alias("kode_desa_kandidat"),
            pl.lit(None, pl.Utf8).alias("_desa_alasan"),
        ).drop("_kode_typed")
    pairs = names.select(pl.col(_raw("desa")).alias("desa"), pl.col(_raw("kecamatan")).alias("kecamatan")).unique()
    resolved = DesaResolver(ctx.desa, kab_name).resolve_frame(pairs)
    work = work.join(
        resolved.rename({"desa": _raw("desa"), "kecamatan": _raw("kecamatan")}),
        on=[_raw("desa"), _raw("kecamatan")],
        how="left",
        nulls_equal=True,
    )
    has_code = pl.col(_raw("kode_desa")).is_not_null()
    return work.with_columns(
        pl.when(has_code).then(typed).otherwise(pl.col("_kode")).alias("kode_desa"),
        pl.when(has_code).then(None).otherwise(pl.col("_kandidat")).alias("kode_desa_kandidat"),
        pl.when(has_code).then(None).otherwise(pl.col("_alasan")).alias("_desa_alasan"),
    ).drop("_kode", "_kandidat", "_alasan", "_kode_typed")


_EMPTY_FAILS = pl.DataFrame(
    schema={
        "_idx": pl.UInt32,
        "_order": pl.Int32,
        "_src": pl.Int8,
        "_field": pl.Utf8,
        "alasan": pl.Utf8,
        "nilai": pl.Utf8,
    }
)


def _fail(work: pl.DataFrame, field: str, condition: pl.Expr, reason: pl.Expr) -> pl.DataFrame:
    return work.filter(condition).select(
        pl.col("_idx"),
        pl.lit(_ORDER[field], pl.Int32).alias("_order"),
        pl.lit(0, pl.Int8).alias("_src"),  # on one column, the parser's reason comes first
        pl.lit(field).alias("_field"),
        reason.cast(pl.Utf8).alias("alasan"),
        pl.col(_raw(field)).alias("nilai"),
    )


def _parse_failures(work: pl.DataFrame, kind: str, tolerate: pl.Expr) -> pl.DataFrame:
    """Cells whose text is not a value of their field (and required cells left blank)."""
    r = lambda f: pl.col(_raw(f))  # noqa: E731
    specs: list[tuple[str, pl.Expr, pl.Expr]] = []  # (field, failing, reason)
    # Blank required cells fail the kind's pandera model (`not_nullable`); the place of a
    # baseline voter may come as a code or as names, which a model column cannot say.
    if kind == BASELINE_KIND:
        specs.append(("kode_desa", r("kode_desa").is_null() & r("desa").is_null(), pl.lit("desa/kelurahan kosong")))
    for field, label in (("nik", "NIK"), ("nkk", "NKK")):
        letters = f"{label} '{{}}' tidak valid: berisi huruf atau tanda selain angka (huruf O bukan 0, huruf l/I bukan 1)"
        specs.append((field, pl.col(f"_{field}_salah") & pl.col(f"_{field}_bukan_angka"), text_format(letters, r(field))))
        length = f"{label} '{{}}' tidak valid: {{}} digit, harus 16 digit"
        specs.append((field, pl.col(f"_{field}_salah") & ~pl.col(f"_{field}_bukan_angka"),
                      text_format(length, r(field), pl.col(f"_{field}_panjang"))))
    lost = "{} '{}' kehilangan digit (tertulis sebagai angka ilmiah); ketik ulang sebagai teks"
    specs.append(("nik", pl.col("_nik_hilang") & ~tolerate, text_format(lost, pl.lit("NIK"), r("nik"))))
    if kind == BASELINE_KIND:
        specs.append(("nkk", pl.col("_nkk_hilang"), text_format(lost, pl.lit("NKK"), r("nkk"))))
    for field in DATE_FIELDS:
        specs.append(
            (
                field,
                r(field).is_not_null() & pl.col(field).is_null(),
                text_format(f"{LABELS[field]} '{{}}' bukan tanggal yang dikenali (contoh: 17-08-1975)", r(field)),
            )
        )
    specs.append(
        (
            "umur",
            r("umur").is_not_null() & pl.col("umur").is_null(),
            text_format("umur '{}' bukan angka tahun", r("umur")),
        )
    )
    specs.append(
        (
            "kode_tms",
            r("kode_tms").is_not_null() & pl.col("kode_tms").is_null(),
            text_format("kode TMS '{}' bukan angka (5 atau 9)", r("kode_tms")),
        )
    )
    specs.append(("desa", pl.col("_desa_alasan").is_not_null(), pl.col("_desa_alasan")))

    # One pass for all conditions; only the conditions that hit are materialized.
    counts = work.select([cond.fill_null(False).sum().alias(str(i)) for i, (_, cond, _) in enumerate(specs)]).row(0)
    out = [
        _fail(work, field, cond, reason)
        for (field, cond, reason), count in zip(specs, counts)
        if count
    ]
    if not out:
        return _EMPTY_FAILS
    return pl.concat(out, how="vertical")


def _pandera_failures(work: pl.DataFrame, kind: str, rules: Rules) -> pl.DataFrame:
    schema = schema_for(kind, rules)
    columns = [*RECORD_SCHEMA, "_nik_angka"]
    frame = work.select([pl.col(c).cast(RECORD_SCHEMA.get(c, pl.Boolean)) for c in columns])
    empty = _EMPTY_FAILS
    try:
        schema.validate(frame, lazy=True)
        return empty
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
    cases = cases.filter(pl.col("index").is_not_null()).select(
        pl.col("index").cast(pl.UInt32).alias("_idx"), pl.col("check"), pl.col("column")
    )
    if cases.height == 0:
        return empty
    cases = cases.rename({"column": "_field"}).filter(pl.col("_field").is_in(list(_ORDER)))
    cases = cases.with_columns(
        pl.col("_field").replace_strict(_ORDER, return_dtype=pl.Int32).alias("_order"),
        pl.col("check").replace_strict(REASONS, default="nilai tidak valid", return_dtype=pl.Utf8).alias("_template"),
    )
    # nilai: the cell as typed (the raw text of the failing column).
    raw_cols = work.select("_idx", *[pl.col(_raw(f)) for f in RAW_FIELDS])
    cases = cases.join(raw_cols, on="_idx", how="left")
    nilai = pl.lit(None, pl.Utf8)
    for f in RAW_FIELDS:
        nilai = pl.when(pl.col("_field") == f).then(pl.col(_raw(f))).otherwise(nilai)
    return cases.select(
        "_idx",
        "_order",
        pl.lit(1, pl.Int8).alias("_src"),
        "_field",
        pl.col("_template").alias("alasan"),
        nilai.alias("nilai"),
    )


def _karantina(work: pl.DataFrame, fails: pl.DataFrame, raw: RawExtract, context: dict[str, str]) -> pl.DataFrame:
    if fails.height == 0:
        return pl.DataFrame(schema=KARANTINA_SCHEMA)
    rows = fails.join(work.select("_idx", "sumber_baris"), on="_idx", how="left")
    headers = raw.headers
    # Reasons are templates with {nilai}, {label}, {kabupaten}, {acuan}; filled in vectorized.
    labels = {f: LABELS.get(f, f.replace("_", " ")) for f in FIELD_ORDER}
    rows = rows.with_columns(
        pl.col("_field").replace_strict(labels, default="kolom", return_dtype=pl.Utf8).alias("_label"),
        pl.col("nilai").fill_null("").alias("_nilai"),
    )
    alasan = (
        pl.col("alasan")
        .str.replace_all("{kabupaten}", context["kabupaten"], literal=True)
        .str.replace_all("{acuan}", context["acuan"], literal=True)
        .str.replace_all("{label}", pl.col("_label"), literal=True)
        .str.replace_all("{nilai}", pl.col("_nilai"), literal=True)
    )
    kolom = pl.col("_field").replace_strict(
        {f: headers.get(f, f) for f in FIELD_ORDER}, default=pl.col("_field"), return_dtype=pl.Utf8
    )
    return rows.sort("sumber_baris").select(
        pl.lit(raw.file_name).alias("sumber_file"),
        pl.col("sumber_baris").cast(pl.Int64),
        kolom.alias("kolom"),
        alasan.alias("alasan"),
        pl.col("nilai").cast(pl.Utf8),
    )
