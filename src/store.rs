//! SQLite output: one row per document and one row per section, indicator and reference, so an
//! analyst can query a whole archive with SQL.
//!
//! Why SQLite: it is one file, needs no server, and every analysis tool reads it. The schema is
//! created on first open and versioned with `PRAGMA user_version`; a database written by a newer
//! schema is refused rather than damaged. Writes use WAL mode and one transaction per group of
//! documents, so a killed writer leaves the database at a document boundary.
//!
//! Documents are keyed by their `source` (the path relative to the batch input). Writing a document
//! again updates its `documents` row in place (its `id` does not change) and replaces its child
//! rows, whose keys are `(document_id, ordinal)`; a rerun on the same input therefore leaves
//! exactly the same rows. Fields missing from a record are stored as NULL.

use crate::error::{Error, Result};
use rusqlite::types::Value as Sql;
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde_json::Value;
use std::path::Path;

/// Schema version stored in `PRAGMA user_version`.
pub const SCHEMA_VERSION: i64 = 1;

const SCHEMA: &str = r#"
CREATE TABLE documents (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL UNIQUE,
    content_key TEXT NOT NULL,
    schema_version,
    type TEXT,
    number TEXT,
    date TEXT,
    place TEXT,
    issuer TEXT,
    title TEXT,
    signer_name TEXT,
    signer_position TEXT,
    syllables INTEGER,
    mean_confidence REAL,
    record TEXT NOT NULL
);
CREATE INDEX documents_date ON documents(date);
CREATE INDEX documents_type ON documents(type);
CREATE INDEX documents_number ON documents(number);
CREATE TABLE sections (
    document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    ord INTEGER NOT NULL,
    id,
    parent,
    marker TEXT,
    level INTEGER,
    heading TEXT,
    kind TEXT,
    line INTEGER,
    span_start INTEGER,
    span_end INTEGER,
    PRIMARY KEY (document_id, ord)
);
CREATE INDEX sections_id ON sections(document_id, id);
CREATE INDEX sections_kind ON sections(kind);
CREATE TABLE indicators (
    document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    ord INTEGER NOT NULL,
    kind TEXT,
    value,
    unit TEXT,
    denominator,
    direction TEXT,
    target,
    subject TEXT,
    section,
    text TEXT,
    line INTEGER,
    span_start INTEGER,
    span_end INTEGER,
    PRIMARY KEY (document_id, ord)
);
CREATE INDEX indicators_section ON indicators(document_id, section);
CREATE INDEX indicators_unit ON indicators(unit);
CREATE INDEX indicators_kind ON indicators(kind);
CREATE TABLE "references" (
    document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    ord INTEGER NOT NULL,
    type TEXT,
    number TEXT,
    date TEXT,
    text TEXT,
    line INTEGER,
    span_start INTEGER,
    span_end INTEGER,
    PRIMARY KEY (document_id, ord)
);
CREATE INDEX references_number ON "references"(number);
"#;

fn sql_err(e: rusqlite::Error) -> Error {
    Error::Sqlite(e.to_string())
}

/// Row counts of the four tables, for reports and tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct Counts {
    /// Rows in `documents`.
    pub documents: u64,
    /// Rows in `sections`.
    pub sections: u64,
    /// Rows in `indicators`.
    pub indicators: u64,
    /// Rows in `references`.
    pub references: u64,
}

/// An open sohoa database. Single writer: use it from one thread.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
}

impl Store {
    /// Open (creating if needed) the database at `path`: WAL mode, foreign keys on, schema created
    /// or checked.
    ///
    /// # Errors
    /// [`Error::Sqlite`] if the file cannot be opened or holds a newer or foreign schema.
    pub fn open(path: &Path) -> Result<Store> {
        let conn = Connection::open(path)
            .map_err(|e| Error::Sqlite(format!("{}: {e}", path.display())))?;
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(sql_err)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(sql_err)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(sql_err)?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(sql_err)?;
        let version: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(sql_err)?;
        match version {
            0 => {
                let tables: i64 = conn
                    .query_row(
                        "SELECT count(*) FROM sqlite_master WHERE name = 'documents'",
                        [],
                        |r| r.get(0),
                    )
                    .map_err(sql_err)?;
                if tables > 0 {
                    return Err(Error::Sqlite(format!(
                        "{}: has a `documents` table that sohoa did not create",
                        path.display()
                    )));
                }
                let mut s = Store { conn };
                let tx = s.conn.transaction().map_err(sql_err)?;
                tx.execute_batch(SCHEMA).map_err(sql_err)?;
                tx.pragma_update(None, "user_version", SCHEMA_VERSION)
                    .map_err(sql_err)?;
                tx.commit().map_err(sql_err)?;
                Ok(s)
            }
            SCHEMA_VERSION => Ok(Store { conn }),
            v => Err(Error::Sqlite(format!(
                "{}: schema version {v}, this build writes version {SCHEMA_VERSION}",
                path.display()
            ))),
        }
    }

    /// The underlying connection, for queries.
    #[must_use]
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    /// The content key stored for `source`, if the document is in the database. A caller compares
    /// it with its own key to skip documents that are already up to date.
    ///
    /// # Errors
    /// [`Error::Sqlite`].
    pub fn content_key(&self, source: &str) -> Result<Option<String>> {
        self.conn
            .query_row(
                "SELECT content_key FROM documents WHERE source = ?1",
                [source],
                |r| r.get(0),
            )
            .optional()
            .map_err(sql_err)
    }

    /// Write documents `(source, content_key, record)` in one transaction: each document's row is
    /// inserted or updated in place and its sections, indicators and references replaced.
    ///
    /// # Errors
    /// [`Error::Sqlite`]; nothing of the group is written then.
    pub fn upsert_many<'a, I>(&mut self, docs: I) -> Result<()>
    where
        I: IntoIterator<Item = (&'a str, &'a str, &'a Value)>,
    {
        let tx = self.conn.transaction().map_err(sql_err)?;
        for (source, key, record) in docs {
            upsert_one(&tx, source, key, record)?;
        }
        tx.commit().map_err(sql_err)
    }

    /// [`Store::upsert_many`] for one document.
    ///
    /// # Errors
    /// [`Error::Sqlite`].
    pub fn upsert(&mut self, source: &str, key: &str, record: &Value) -> Result<()> {
        self.upsert_many([(source, key, record)])
    }

    /// Row counts of the four tables.
    ///
    /// # Errors
    /// [`Error::Sqlite`].
    pub fn counts(&self) -> Result<Counts> {
        let n = |t: &str| -> Result<u64> {
            self.conn
                .query_row(&format!("SELECT count(*) FROM \"{t}\""), [], |r| {
                    r.get::<_, i64>(0)
                })
                .map(|v| v.max(0) as u64)
                .map_err(sql_err)
        };
        Ok(Counts {
            documents: n("documents")?,
            sections: n("sections")?,
            indicators: n("indicators")?,
            references: n("references")?,
        })
    }
}

/// A JSON scalar as an SQL value; arrays and objects are stored as JSON text.
fn sql(v: Option<&Value>) -> Sql {
    match v {
        None | Some(Value::Null) => Sql::Null,
        Some(Value::Bool(b)) => Sql::Integer(i64::from(*b)),
        Some(Value::Number(n)) => match n.as_i64() {
            Some(i) => Sql::Integer(i),
            None => n.as_f64().map_or(Sql::Null, Sql::Real),
        },
        Some(Value::String(s)) => Sql::Text(s.clone()),
        Some(other) => Sql::Text(other.to_string()),
    }
}

/// `record[a][b]...`, tolerant of anything missing.
fn at<'v>(v: &'v Value, path: &[&str]) -> Option<&'v Value> {
    path.iter().try_fold(v, |v, k| v.get(k))
}

fn span(v: &Value) -> (Sql, Sql) {
    let s = v.get("span");
    (sql(s.and_then(|s| s.get(0))), sql(s.and_then(|s| s.get(1))))
}

fn items<'v>(record: &'v Value, key: &str) -> impl Iterator<Item = &'v Value> {
    record
        .get(key)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
}

fn upsert_one(tx: &Transaction<'_>, source: &str, key: &str, r: &Value) -> Result<()> {
    let d = |k: &str| sql(at(r, &["document", k]));
    let text = serde_json::to_string(r).map_err(|e| Error::Sqlite(e.to_string()))?;
    tx.execute(
        "INSERT INTO documents (source, content_key, schema_version, type, number, date, place,
             issuer, title, signer_name, signer_position, syllables, mean_confidence, record)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
         ON CONFLICT(source) DO UPDATE SET content_key = excluded.content_key,
             schema_version = excluded.schema_version, type = excluded.type,
             number = excluded.number, date = excluded.date, place = excluded.place,
             issuer = excluded.issuer, title = excluded.title,
             signer_name = excluded.signer_name, signer_position = excluded.signer_position,
             syllables = excluded.syllables, mean_confidence = excluded.mean_confidence,
             record = excluded.record",
        params![
            source,
            key,
            sql(r.get("schema_version")),
            d("type"),
            d("number"),
            d("date"),
            d("place"),
            d("issuer"),
            d("title"),
            sql(at(r, &["document", "signer", "name"])),
            sql(at(r, &["document", "signer", "position"])),
            sql(at(r, &["stats", "syllables"])),
            sql(at(r, &["stats", "mean_confidence"])),
            text,
        ],
    )
    .map_err(sql_err)?;
    let id: i64 = tx
        .query_row(
            "SELECT id FROM documents WHERE source = ?1",
            [source],
            |r| r.get(0),
        )
        .map_err(sql_err)?;
    for t in ["sections", "indicators", "references"] {
        tx.execute(&format!("DELETE FROM \"{t}\" WHERE document_id = ?1"), [id])
            .map_err(sql_err)?;
    }
    let mut st = tx
        .prepare_cached(
            "INSERT INTO sections (document_id, ord, id, parent, marker, level, heading, kind,
                 line, span_start, span_end) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11)",
        )
        .map_err(sql_err)?;
    for (i, s) in items(r, "sections").enumerate() {
        let (a, b) = span(s);
        st.execute(params![
            id,
            i as i64,
            sql(s.get("id")),
            sql(s.get("parent")),
            sql(s.get("marker")),
            sql(s.get("level")),
            sql(s.get("heading")),
            sql(s.get("kind")),
            sql(s.get("line")),
            a,
            b
        ])
        .map_err(sql_err)?;
    }
    let mut st = tx
        .prepare_cached(
            "INSERT INTO indicators (document_id, ord, kind, value, unit, denominator, direction,
                 target, subject, section, text, line, span_start, span_end)
             VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14)",
        )
        .map_err(sql_err)?;
    for (i, x) in items(r, "indicators").enumerate() {
        let (a, b) = span(x);
        st.execute(params![
            id,
            i as i64,
            sql(x.get("kind")),
            sql(x.get("value")),
            sql(x.get("unit")),
            sql(x.get("denominator")),
            sql(x.get("direction")),
            sql(x.get("target")),
            sql(x.get("subject")),
            sql(x.get("section")),
            sql(x.get("text")),
            sql(x.get("line")),
            a,
            b
        ])
        .map_err(sql_err)?;
    }
    let mut st = tx
        .prepare_cached(
            "INSERT INTO \"references\" (document_id, ord, type, number, date, text, line,
                 span_start, span_end) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9)",
        )
        .map_err(sql_err)?;
    for (i, x) in items(r, "references").enumerate() {
        let (a, b) = span(x);
        st.execute(params![
            id,
            i as i64,
            sql(x.get("type")),
            sql(x.get("number")),
            sql(x.get("date")),
            sql(x.get("text")),
            sql(x.get("line")),
            a,
            b
        ])
        .map_err(sql_err)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn tolerant_of_missing_fields() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open(&dir.path().join("t.db")).unwrap();
        s.upsert("a.txt", "k", &serde_json::json!({"source": "a.txt"}))
            .unwrap();
        let rec = serde_json::json!({"sections": [{"id": 1}], "indicators": [{"value": 2.5}]});
        s.upsert("b.txt", "k", &rec).unwrap();
        let c = s.counts().unwrap();
        assert_eq!((c.documents, c.sections, c.indicators), (2, 1, 1));
    }
}
