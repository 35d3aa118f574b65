-- The cross-kabupaten stage of a province (SPEC §7), as named statements run in order over the
-- Parquet store. `{store}` and `{kuartal}` are filled in by transforms/provinsi.py (a checked
-- path and a checked quarter label); everything else is plain DuckDB.

-- name: schema
-- The province's own ledger. A matched move or an automatic action is recorded once, under a
-- stable id, and never recorded again: rerunning the stage cannot apply anything twice.
CREATE TABLE IF NOT EXISTS pindah_lintas (
    id_lintas VARCHAR PRIMARY KEY,
    kuartal VARCHAR NOT NULL,
    kabupaten_asal VARCHAR NOT NULL,
    kabupaten_tujuan VARCHAR NOT NULL,
    nik VARCHAR,
    nama VARCHAR,
    tanggal_lahir DATE,
    metode VARCHAR NOT NULL,           -- NIK / NAMA_TGL_LAHIR
    keluar_file VARCHAR, keluar_baris BIGINT, keluar_status VARCHAR,
    datang_file VARCHAR, datang_baris BIGINT, datang_status VARCHAR,
    dicatat TIMESTAMP NOT NULL
);
CREATE TABLE IF NOT EXISTS tindakan_lintas (
    id_tindakan VARCHAR PRIMARY KEY,
    kuartal VARCHAR NOT NULL,
    kabupaten VARCHAR NOT NULL,        -- where the change applies
    kategori VARCHAR NOT NULL,
    kode_tms INTEGER,
    id_pemilih BIGINT,
    nik VARCHAR, nama VARCHAR, tanggal_lahir DATE, jenis_kelamin VARCHAR, kode_desa VARCHAR,
    kabupaten_lain VARCHAR,
    id_lintas VARCHAR,
    alasan VARCHAR,
    dicatat TIMESTAMP NOT NULL
);
-- One row per item and quarter it is queued in. The id is a digest of the two records the
-- item compares, not of the quarter: an undecided item keeps its id next quarter, and an item
-- decided (SETUJU or TOLAK) is not proposed again while neither record changes.
CREATE TABLE IF NOT EXISTS verifikasi_lintas (
    id_verifikasi VARCHAR NOT NULL,
    kuartal VARCHAR NOT NULL,
    jenis VARCHAR NOT NULL,            -- NIK_LINTAS / GANDA_LINTAS / PINDAH_LINTAS
    kabupaten VARCHAR NOT NULL,        -- whose queue the item is in (the candidate's)
    kategori_usulan VARCHAR NOT NULL,
    kode_tms_usulan INTEGER,
    id_pemilih_kandidat BIGINT,
    nik_kandidat VARCHAR, nama_kandidat VARCHAR, tanggal_lahir_kandidat DATE, kode_desa_kandidat VARCHAR,
    kabupaten_lain VARCHAR,
    nik_lain VARCHAR, nama_lain VARCHAR, tanggal_lahir_lain DATE, kode_desa_lain VARCHAR,
    skor DOUBLE,
    alasan VARCHAR,
    dicatat TIMESTAMP NOT NULL,
    PRIMARY KEY (id_verifikasi, kuartal)
);
-- Decisions on verifikasi_lintas items, as the kabupaten's own run recorded and applied them
-- (its `keputusan` and `verifikasi_selesai` tables): hasil DITERAPKAN / TANPA_PERUBAHAN / ...
CREATE TABLE IF NOT EXISTS keputusan_lintas (
    id_verifikasi VARCHAR NOT NULL,
    kuartal VARCHAR NOT NULL,
    keputusan VARCHAR NOT NULL,        -- SETUJU / TOLAK
    sumber_file VARCHAR NOT NULL,
    sumber_baris BIGINT NOT NULL,
    hasil VARCHAR,
    dibaca TIMESTAMP NOT NULL
);
ALTER TABLE keputusan_lintas ADD COLUMN IF NOT EXISTS hasil VARCHAR;  -- a ledger of an earlier release
-- Decisions held in a quarter: SETUJU on both items of one pair (each side struck its own
-- record for the other to stay). Both records stay until the officials decide again.
CREATE TABLE IF NOT EXISTS lintas_ditahan (
    kuartal VARCHAR NOT NULL,
    id_verifikasi VARCHAR NOT NULL,
    kabupaten VARCHAR NOT NULL,
    id_pasangan VARCHAR NOT NULL,
    kabupaten_pasangan VARCHAR NOT NULL,
    dicatat TIMESTAMP NOT NULL,
    PRIMARY KEY (kuartal, id_verifikasi)
);
-- The quarters the stage ran for: a kabupaten's run gets the items of the latest one.
CREATE TABLE IF NOT EXISTS tahap_lintas (
    kuartal VARCHAR PRIMARY KEY,
    dijalankan TIMESTAMP NOT NULL
);

-- name: views
CREATE OR REPLACE TEMP VIEW aktif AS
SELECT * FROM read_parquet('{store}/aktif/*/*/*.parquet', hive_partitioning = true, union_by_name = true)
WHERE kuartal = '{kuartal}';
CREATE OR REPLACE TEMP VIEW pindah AS
SELECT * FROM read_parquet('{store}/pindah/*/*/*.parquet', hive_partitioning = true, union_by_name = true)
WHERE kuartal = '{kuartal}';

-- name: move_pairs
-- (b) A move out of A joined to a move into B: by trusted NIK first (the two rows agree on
-- the name key or the birth date), then by name key + birth date + sex where a NIK is
-- missing or untrusted on one side (a NIK is for life: two whole, different NIKs are two
-- people, however alike). A pair counts only when it is the only candidate on both sides:
-- two look-alikes moving the same quarter are left alone rather than guessed.
CREATE OR REPLACE TEMP TABLE pasangan_pindah AS
WITH keluar AS (SELECT * FROM pindah WHERE arah = 'KELUAR'),
datang AS (SELECT * FROM pindah WHERE arah = 'DATANG'),
by_nik AS (
    SELECT k.*, d.kabupaten AS d_kabupaten, d.sumber_file AS d_file, d.sumber_baris AS d_baris,
           d.status AS d_status, d.nik AS d_nik, 'NIK' AS metode
    FROM keluar k JOIN datang d
      ON k.nik_percaya AND d.nik_percaya AND k.nik = d.nik AND k.kabupaten <> d.kabupaten
     AND (k.nama_kunci = d.nama_kunci OR k.tanggal_lahir = d.tanggal_lahir)
),
nik_unique AS (
    SELECT * FROM by_nik
    QUALIFY count(*) OVER (PARTITION BY kabupaten, sumber_file, sumber_baris) = 1
        AND count(*) OVER (PARTITION BY d_kabupaten, d_file, d_baris) = 1
),
keluar_left AS (
    SELECT k.* FROM keluar k ANTI JOIN nik_unique n
      ON k.kabupaten = n.kabupaten AND k.sumber_file = n.sumber_file AND k.sumber_baris = n.sumber_baris
),
datang_left AS (
    SELECT d.* FROM datang d ANTI JOIN nik_unique n
      ON d.kabupaten = n.d_kabupaten AND d.sumber_file = n.d_file AND d.sumber_baris = n.d_baris
),
by_name AS (
    SELECT k.*, d.kabupaten AS d_kabupaten, d.sumber_file AS d_file, d.sumber_baris AS d_baris,
           d.status AS d_status, d.nik AS d_nik, 'NAMA_TGL_LAHIR' AS metode
    FROM keluar_left k JOIN datang_left d
      ON k.nama_kunci = d.nama_kunci AND k.tanggal_lahir = d.tanggal_lahir AND k.kabupaten <> d.kabupaten
     AND (k.jenis_kelamin IS NULL OR d.jenis_kelamin IS NULL OR k.jenis_kelamin = d.jenis_kelamin)
     AND NOT (k.nik_percaya AND d.nik_percaya AND k.nik IS NOT NULL AND d.nik IS NOT NULL AND k.nik <> d.nik)
    WHERE k.nama_kunci <> ''
    QUALIFY count(*) OVER (PARTITION BY k.kabupaten, k.sumber_file, k.sumber_baris) = 1
        AND count(*) OVER (PARTITION BY d.kabupaten, d.sumber_file, d.sumber_baris) = 1
)
SELECT 'PL-' || substr(md5(concat_ws('|', '{kuartal}', kabupaten, sumber_file, sumber_baris, d_kabupaten, d_file,
                                     d_baris)), 1, 12) AS id_lintas,
       '{kuartal}' AS kuartal, kabupaten AS kabupaten_asal, d_kabupaten AS kabupaten_tujuan,
       coalesce(CASE WHEN nik_percaya THEN nik END, d_nik) AS nik, nama, tanggal_lahir, metode,
       sumber_file AS keluar_file, sumber_baris AS keluar_baris, status AS keluar_status,
       d_file AS datang_file, d_baris AS datang_baris, d_status AS datang_status
FROM (SELECT * FROM nik_unique UNION ALL BY NAME SELECT * FROM by_name);

-- name: record_moves
INSERT OR IGNORE INTO pindah_lintas
SELECT *, now()::TIMESTAMP AS dicatat FROM pasangan_pindah;

-- name: shared_nik
-- (a) One NIK active in two kabupaten. Explained by a matched move out of A into B: then the
-- record left behind in A is the one to remove (TMS 4). Anything else goes to review, one item
-- per record, so each kabupaten decides about its own voter. The destination's record of a
-- matched move is the one that stays.
CREATE OR REPLACE TEMP TABLE nik_lintas AS
WITH shared AS (
    SELECT * FROM aktif WHERE nik IN (
        SELECT nik FROM aktif WHERE nik IS NOT NULL GROUP BY nik HAVING count(DISTINCT kabupaten) > 1
    )
),
pairs AS (
    SELECT a.*, b.kabupaten AS b_kabupaten, b.id_pemilih AS b_id_pemilih, b.nama AS b_nama,
           b.tanggal_lahir AS b_tanggal_lahir, b.kode_desa AS b_kode_desa,
           concat_ws('|', {keadaan_a}, {keadaan_b}) AS kunci_pasangan
    FROM shared a JOIN shared b ON a.nik = b.nik AND a.kabupaten <> b.kabupaten
)
SELECT p.*, m.id_lintas, m.kabupaten_asal = p.kabupaten AS ditinggalkan
FROM pairs p LEFT JOIN pindah_lintas m
  ON m.kuartal = '{kuartal}' AND m.nik = p.nik
 AND ((m.kabupaten_asal = p.kabupaten AND m.kabupaten_tujuan = p.b_kabupaten)
      OR (m.kabupaten_asal = p.b_kabupaten AND m.kabupaten_tujuan = p.kabupaten));

-- name: record_actions
-- A matched move explains the shared NIK: the voter still active in A gets TMS 4, once.
INSERT OR IGNORE INTO tindakan_lintas
SELECT 'TL-' || substr(md5(concat_ws('|', '{kuartal}', kabupaten, id_pemilih, id_lintas)), 1, 12),
       '{kuartal}', kabupaten, 'TMS', 4, id_pemilih, nik, nama, tanggal_lahir, jenis_kelamin, kode_desa,
       b_kabupaten, id_lintas,
       'pindah ke ' || b_kabupaten || ' (' || id_lintas || '); NIK yang sama sudah terdaftar di sana',
       now()::TIMESTAMP
FROM nik_lintas WHERE id_lintas IS NOT NULL AND ditinggalkan;

-- name: record_nik_review
-- Not again an item decided in an earlier quarter: its id says both records are unchanged.
INSERT OR IGNORE INTO verifikasi_lintas
SELECT * FROM (
    SELECT 'LN-' || substr(md5(concat_ws('|', 'NIK_LINTAS', kabupaten, id_pemilih, b_kabupaten, b_id_pemilih,
                                         kunci_pasangan)), 1, 12) AS id_verifikasi,
           '{kuartal}', 'NIK_LINTAS', kabupaten, 'TMS', 2, id_pemilih, nik, nama, tanggal_lahir, kode_desa,
           b_kabupaten, nik, b_nama, b_tanggal_lahir, b_kode_desa, NULL,
           'NIK yang sama juga aktif di ' || b_kabupaten
               || '; tidak ada pindah yang cocok; SETUJU mencoret pemilih ini (TMS 2), pemilih di kabupaten lain tetap',
           now()::TIMESTAMP
    FROM nik_lintas WHERE id_lintas IS NULL
) WHERE id_verifikasi NOT IN (SELECT id_verifikasi FROM keputusan_lintas WHERE kuartal < '{kuartal}');

-- name: ganda_blocks
-- (c) Candidate blocks for the same person under two NIKs: name key, birth date and sex seen
-- in two kabupaten or more under different NIKs. Only these rows go to the ganda evidence.
SELECT a.* FROM aktif a JOIN (
    SELECT nama_kunci, tanggal_lahir, jenis_kelamin FROM aktif
    WHERE nama_kunci <> '' AND tanggal_lahir IS NOT NULL
    GROUP BY ALL HAVING count(DISTINCT kabupaten) > 1 AND count(DISTINCT nik) > 1
) b USING (nama_kunci, tanggal_lahir, jenis_kelamin)
ORDER BY a.kabupaten, a.id_pemilih;

-- name: ganda_background
-- A fixed random sample of the province's active lists: the ganda evidence learns how often two
-- different people agree from the list it is given, so it gets a representative one.
SELECT * FROM aktif USING SAMPLE reservoir(50000 ROWS) REPEATABLE (20260101);

-- name: queue_of
SELECT * FROM verifikasi_lintas
WHERE kuartal = '{kuartal}' AND kabupaten = ?
  AND id_verifikasi NOT IN (SELECT id_verifikasi FROM keputusan_lintas)
ORDER BY jenis, id_verifikasi;

-- name: items_for_run
-- The open items of one kabupaten for its run of quarter {kuartal}: those of the latest quarter
-- the stage ran for up to {kuartal}, less the ones decided in an earlier quarter. Decisions of
-- {kuartal} itself stay in: a rerun replaces the quarter and applies them again.
SELECT * FROM verifikasi_lintas
WHERE kabupaten = ? AND kuartal = (SELECT max(kuartal) FROM tahap_lintas WHERE kuartal <= '{kuartal}')
  AND id_verifikasi NOT IN (SELECT id_verifikasi FROM keputusan_lintas WHERE kuartal < '{kuartal}')
  AND id_verifikasi NOT IN (SELECT id_verifikasi FROM lintas_ditahan WHERE kuartal = '{kuartal}')
ORDER BY jenis, id_verifikasi;

-- name: held_for_run
SELECT id_verifikasi, id_pasangan, kabupaten_pasangan FROM lintas_ditahan
WHERE kuartal = '{kuartal}' AND kabupaten = ? ORDER BY id_verifikasi;

-- name: double_approvals
-- Both items of one pair approved in the same quarter (`setuju`: the decisions the kabupaten
-- runs applied): each official struck their own record for the other to stay, so together they
-- would strike the person from every list. Both decisions are held; the pair is the same two
-- records seen from either side (same kind, the candidate of one is the other record of the other).
INSERT OR IGNORE INTO lintas_ditahan
SELECT '{kuartal}', x.id_verifikasi, x.kabupaten, y.id_verifikasi, y.kabupaten, now()::TIMESTAMP
FROM verifikasi_lintas x
JOIN verifikasi_lintas y
  ON y.kuartal = x.kuartal AND y.jenis = x.jenis AND y.kabupaten = x.kabupaten_lain
 AND y.kabupaten_lain = x.kabupaten AND y.nik_kandidat = x.nik_lain AND y.nik_lain = x.nik_kandidat
WHERE x.kuartal = (SELECT max(kuartal) FROM tahap_lintas WHERE kuartal <= '{kuartal}')
  AND x.id_verifikasi IN (SELECT id_verifikasi FROM setuju)
  AND y.id_verifikasi IN (SELECT id_verifikasi FROM setuju);
