"""Matching: each record of a quarter linked to a voter, and duplicates on the list itself.

The matching contract (SPEC §5.2): a NIK is a key only when the record's NIK is trustworthy
(`nik_andal`) and the voter it points at has an agreeing name and birth date; everything else
is linked by name, birth date, sex, NKK, desa and RT/RW. The policy (weights, thresholds) is
data: `schemas/policy.toml`, read by `schemas.policy.load_policy`.

How a quarter's records are linked (`link_records`), one module per step:
1. `prepare` adds the comparison columns once (name keys and their frequency, NIK prefix,
   birth-year range from an age at the event);
2. `blocking` proposes (record, voter) pairs: the same NIK; the first 14 NIK digits (a NIK
   Excel rounded); the same NKK; every distinct name of each desa the record names (rapidfuzz
   cdist); kabupaten-wide the same name key with a fitting birth year, and the same birth
   date (or day/month swapped) -- so a move between desa or a wrong desa is still seen;
3. `evidence` scores each pair: name similarity of normalized keys (`transforms/names.py`),
   birth date (equal, swapped, one digit off, year only, placeholder day), age at the event
   from `umur`, sex, desa/kecamatan, NKK, RT/RW, NIK; summed as weights, common names weigh
   less and one-word names less again;
4. `verdict` decides per record: AUTO only for one clear winner on strong evidence (a NIK
   link, or name + exact birth date in the reported place, or a name one typing slip away
   with the exact birth date in the reported household, or age + RT/RW/KK for a rare full
   name, or a name, sex and age too rare for the reported RT/RW or desa to hold by
   coincidence -- with no namesake near that age in the desa, on the list or removed from
   it), leading the runner-up by a margin, with no other candidate as firmly identified
   (household before desa before elsewhere), no NIK conflict and no twin with a close name;
   otherwise REVIEW with the plausible candidates, or NONE.

`ganda` scans the whole list for the same person twice (Fellegi–Sunter evidence, SPEC §5.4).
"""

from schemas.fields import AUTO, M_FUZZY, M_NIK, M_NIK_KONFLIK, M_NIK_NAMA, M_NONE, NONE, REVIEW
from schemas.frames import DAFTAR_AKTIF, DAFTAR_TMS, LINK_SCHEMA, MATCH_SCHEMA
from schemas.policy import MatchPolicy, load_policy
from transforms.match.evidence import pair_similarity
from transforms.match.ganda import find_ganda
from transforms.match.link import link_records
from transforms.match.prepare import PREPARED_COLUMNS, age_at, prepare_voters
from transforms.match.stage import match_quarter, purpose_expr

__all__ = [
    "AUTO", "REVIEW", "NONE", "M_NIK", "M_NIK_NAMA", "M_NIK_KONFLIK", "M_FUZZY", "M_NONE",
    "LINK_SCHEMA", "PREPARED_COLUMNS", "MatchPolicy", "load_policy",
    "find_ganda", "link_records", "prepare_voters", "age_at", "pair_similarity",
    "match_quarter", "purpose_expr", "MATCH_SCHEMA", "DAFTAR_AKTIF", "DAFTAR_TMS",
]
