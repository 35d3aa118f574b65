-- pdpb database: the versioned voter list and the record of every quarter applied to it.
-- Quarters are integers: year * 4 + quarter - 1 (2026-Q1 -> 8104).

CREATE TABLE IF NOT EXISTS meta (
    kunci VARCHAR PRIMARY KEY,
    nilai VARCHAR NOT NULL
);

-- One row per applied quarter; the baseline loaded by `pdpb init` is the first.
CREATE TABLE IF NOT EXISTS kuartal (
    kuartal INTEGER PRIMARY KEY,
    label VARCHAR NOT NULL,            -- '2026-Q1' or 'awal' for the baseline
    tanggal_acuan DATE NOT NULL,
    id_run VARCHAR NOT NULL,
    diterapkan_pada TIMESTAMP NOT NULL
);

-- Each row is one version of one voter, valid for quarters berlaku_dari <= q < berlaku_sampai
-- (berlaku_sampai NULL = still current). A voter removed from the list keeps a version with
-- status 'TMS', so the list as of any quarter shows every voter ever on it.
CREATE TABLE IF NOT EXISTS pemilih (
    id_pemilih BIGINT NOT NULL,
    berlaku_dari INTEGER NOT NULL,
    berlaku_sampai INTEGER,
    nik VARCHAR,
    nkk VARCHAR,
    nama VARCHAR NOT NULL,
    tempat_lahir VARCHAR,
    tanggal_lahir DATE,
    status_kawin VARCHAR,
    jenis_kelamin VARCHAR,
    alamat VARCHAR,
    rt VARCHAR,
    rw VARCHAR,
    disabilitas VARCHAR,
    kode_desa VARCHAR,
    tps VARCHAR,
    status VARCHAR NOT NULL,           -- 'AKTIF' or 'TMS'
    kode_tms INTEGER,
    sumber_file VARCHAR NOT NULL,      -- the file and row this voter's record came from
    sumber_baris BIGINT NOT NULL
);

-- Every input file of every run that was applied, with its hash and row accounting.
CREATE TABLE IF NOT EXISTS berkas (
    kuartal INTEGER NOT NULL,
    sumber_file VARCHAR NOT NULL,
    sumber_sha256 VARCHAR NOT NULL,
    jenis VARCHAR NOT NULL,
    sheet VARCHAR,
    baris_header INTEGER,
    dibaca INTEGER NOT NULL,
    diterapkan INTEGER NOT NULL,
    verifikasi INTEGER NOT NULL,
    karantina INTEGER NOT NULL,
    tanpa_perubahan INTEGER NOT NULL
);

-- One row per applied change, with its evidence and its source row.
CREATE TABLE IF NOT EXISTS perubahan (
    kuartal INTEGER NOT NULL,
    urutan INTEGER NOT NULL,
    kategori VARCHAR NOT NULL,         -- BARU / TMS / UBAH
    kode_tms INTEGER,
    id_pemilih BIGINT NOT NULL,
    nik VARCHAR,
    nkk VARCHAR,
    nama VARCHAR,
    jenis_kelamin VARCHAR,
    kode_desa VARCHAR,
    kode_desa_lama VARCHAR,
    kolom_diubah VARCHAR,
    nilai_lama VARCHAR,                -- JSON object of the changed fields' old values
    nilai_baru VARCHAR,                -- JSON object of the changed fields' new values
    sumber_file VARCHAR NOT NULL,
    sumber_sha256 VARCHAR,
    sumber_baris BIGINT NOT NULL,
    metode VARCHAR NOT NULL,
    skor DOUBLE,
    penetapan VARCHAR NOT NULL,        -- how the change was decided: OTOMATIS / VERIFIKASI
    id_verifikasi VARCHAR
);

-- The review queue of each quarter (one row per candidate).
CREATE TABLE IF NOT EXISTS verifikasi (
    kuartal INTEGER NOT NULL,
    id_verifikasi VARCHAR NOT NULL,
    kategori_usulan VARCHAR NOT NULL,
    kode_tms_usulan INTEGER,
    id_pemilih_kandidat BIGINT,
    nik_kandidat VARCHAR,
    nama_kandidat VARCHAR,
    kode_desa_kandidat VARCHAR,
    sumber_file VARCHAR NOT NULL,
    sumber_sha256 VARCHAR,
    sumber_baris BIGINT NOT NULL,
    nama_sumber VARCHAR,
    nik_sumber VARCHAR,
    tanggal_lahir_sumber DATE,
    kode_desa_sumber VARCHAR,
    skor DOUBLE,
    alasan VARCHAR,
    umur_sumber INTEGER,
    rt_sumber VARCHAR,
    rw_sumber VARCHAR
);
-- Added after the first release: a database made before gets the columns (empty) here.
ALTER TABLE verifikasi ADD COLUMN IF NOT EXISTS umur_sumber INTEGER;
ALTER TABLE verifikasi ADD COLUMN IF NOT EXISTS rt_sumber VARCHAR;
ALTER TABLE verifikasi ADD COLUMN IF NOT EXISTS rw_sumber VARCHAR;
ALTER TABLE perubahan ADD COLUMN IF NOT EXISTS no_bukti VARCHAR;  -- akta kematian / SKPWNI number
-- The proposal and both records of each item (SPEC §5.3): for ganda the *_sumber columns
-- hold the other voter; `tindakan` says what SETUJU does (TMS / GANDA / UBAH / TAMBAH /
-- AKTIFKAN); nilai_lama / nilai_usulan are JSON objects of the candidate's current and the
-- proposed values; kunci_pasangan is a digest of both records (a rejected pair is not
-- proposed again while it is unchanged); dibawa_dari is the quarter the item was first queued.
ALTER TABLE verifikasi ADD COLUMN IF NOT EXISTS jenis_kelamin_sumber VARCHAR;
ALTER TABLE verifikasi ADD COLUMN IF NOT EXISTS alamat_sumber VARCHAR;
ALTER TABLE verifikasi ADD COLUMN IF NOT EXISTS id_pemilih_sumber BIGINT;
ALTER TABLE verifikasi ADD COLUMN IF NOT EXISTS jenis_sumber VARCHAR;
ALTER TABLE verifikasi ADD COLUMN IF NOT EXISTS tindakan VARCHAR;
ALTER TABLE verifikasi ADD COLUMN IF NOT EXISTS metode VARCHAR;
ALTER TABLE verifikasi ADD COLUMN IF NOT EXISTS nilai_lama VARCHAR;
ALTER TABLE verifikasi ADD COLUMN IF NOT EXISTS nilai_usulan VARCHAR;
ALTER TABLE verifikasi ADD COLUMN IF NOT EXISTS kunci_pasangan VARCHAR;
ALTER TABLE verifikasi ADD COLUMN IF NOT EXISTS dibawa_dari INTEGER;
ALTER TABLE verifikasi ADD COLUMN IF NOT EXISTS catatan VARCHAR;

-- Items of the queue decided in a quarter and what came of the decision
-- (hasil: diterapkan / tanpa_perubahan / karantina). Written and withdrawn with its quarter.
CREATE TABLE IF NOT EXISTS verifikasi_selesai (
    kuartal INTEGER NOT NULL,
    id_verifikasi VARCHAR NOT NULL,
    kunci_pasangan VARCHAR,
    kategori_usulan VARCHAR NOT NULL,
    kode_tms_usulan INTEGER,
    tindakan VARCHAR,
    id_pemilih_kandidat BIGINT,
    keputusan VARCHAR NOT NULL,        -- SETUJU / TOLAK
    hasil VARCHAR NOT NULL,
    keterangan VARCHAR
);

-- Officials' decisions are facts: each decision row of a returned `keputusan` file, recorded
-- the first time it is read, and kept when its file leaves the inbox or its quarter is rerun.
-- urutan orders them (a later decision on the same id wins); keputusan NULL = only a note.
CREATE TABLE IF NOT EXISTS keputusan (
    urutan BIGINT NOT NULL,
    kuartal INTEGER NOT NULL,          -- the quarter whose run first read it
    id_verifikasi VARCHAR NOT NULL,
    keputusan VARCHAR,
    catatan VARCHAR,
    sumber_file VARCHAR NOT NULL,
    sumber_sha256 VARCHAR,
    sheet VARCHAR,
    sumber_baris BIGINT NOT NULL,
    dibaca_pada TIMESTAMP NOT NULL,
    id_run VARCHAR
);

-- Rejected input rows, with the reason.
CREATE TABLE IF NOT EXISTS karantina (
    kuartal INTEGER NOT NULL,
    sumber_file VARCHAR NOT NULL,
    sumber_sha256 VARCHAR,
    sumber_baris BIGINT NOT NULL,
    kolom VARCHAR,
    alasan VARCHAR NOT NULL,
    nilai VARCHAR
);

-- Every run: what it was asked, what it read, how long it took and how it ended.
CREATE TABLE IF NOT EXISTS runs (
    id_run VARCHAR PRIMARY KEY,
    perintah VARCHAR NOT NULL,
    kuartal INTEGER,
    mulai TIMESTAMP NOT NULL,
    selesai TIMESTAMP,
    hasil VARCHAR NOT NULL,            -- BERHASIL / GAGAL / BERJALAN
    pesan VARCHAR,
    parameter VARCHAR,                 -- JSON
    versi VARCHAR,                     -- JSON: package versions
    berkas VARCHAR,                    -- JSON: file name -> sha256
    durasi VARCHAR                     -- JSON: stage -> seconds
);

-- Who did what to the list: every init, run, export, batal and key change, with the OS user.
CREATE TABLE IF NOT EXISTS audit (
    urutan BIGINT NOT NULL,            -- 1, 2, 3 ... in the order the commands finished
    waktu TIMESTAMP NOT NULL,
    pengguna VARCHAR NOT NULL,         -- the OS account that ran the command
    komputer VARCHAR,                  -- host name
    perintah VARCHAR NOT NULL,         -- init / run / export / export --samaran / batal / kunci ganti
    kuartal INTEGER,
    berkas VARCHAR,                    -- the file or folder written
    baris BIGINT,                      -- how many rows it holds
    keterangan VARCHAR
);

-- Quarters skipped on purpose (`pdpb run --lewati-triwulan`, DILEWATI, with the quarter whose
-- run skipped them) and quarters withdrawn (`pdpb batal`, DIBATALKAN).
CREATE TABLE IF NOT EXISTS riwayat_kuartal (
    kuartal INTEGER NOT NULL,
    peristiwa VARCHAR NOT NULL,        -- DILEWATI / DIBATALKAN
    oleh_kuartal INTEGER,
    id_run VARCHAR NOT NULL,
    pada TIMESTAMP NOT NULL,
    keterangan VARCHAR
);
