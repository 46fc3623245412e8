//! Facts from the cells of a table row (a CSV installed base, a claims extract): the row is
//! validated as the bundle `{ROOT: {column: "cell", ...}}` would be, without writing or
//! parsing any JSON. Each cell is a string to its field (numbers, dates, money and the
//! rest are read from text as they are in JSON strings); an empty cell is an absent value.

use super::json::{Node, View};
use super::{FactError, FactErrorKind as K, FactErrors, Facts};
use crate::types::Env;

/// Reads rows of one header into facts of one root: the header is matched to the root's
/// fields once.
///
/// ```
/// use aftersales::facts::RowReader;
/// let rules = aftersales::RuleSet::load("rules").unwrap();
/// let header = ["serial", "model", "in_service_date", "owner", "market", "owner_email"];
/// let reader = RowReader::new(rules.env(), "product", &header).unwrap();
/// assert_eq!(reader.other_columns().collect::<Vec<_>>(), ["owner_email"]);
/// let facts = reader.facts(rules.env(), &["S1", "KONA", "2024-05-10", "original", "us", "a@example.com"]).unwrap();
/// let product = rules.env().schema_id("product").unwrap();
/// assert!(facts.root(product).is_some());
/// let e = reader.facts(rules.env(), &["S2", "KONA", "2024-13-01", "original", "us", ""]).unwrap_err();
/// assert_eq!(e.first().unwrap().path, "product.in_service_date");
/// ```
#[derive(Debug, Clone)]
pub struct RowReader {
    root: String,
    header: Vec<String>,
    /// Whether each column is a field of the root.
    field: Vec<bool>,
}

impl RowReader {
    /// A reader of rows whose columns are `header`, into facts of root `root` (a schema of
    /// `env`). Columns that are not fields of the root are left out of the facts
    /// ([`RowReader::other_columns`] names them); an unknown root is an error.
    pub fn new(env: &Env, root: &str, header: &[&str]) -> Result<RowReader, FactErrors> {
        let Some(sid) = env.schema_id(root) else {
            return Err(FactErrors::one(FactError::new(
                K::UnknownRoot,
                root,
                format!("no schema `{root}`"),
            )));
        };
        let schema = env.schema(sid);
        Ok(RowReader {
            root: root.to_string(),
            header: header.iter().map(|h| h.trim().to_string()).collect(),
            field: header
                .iter()
                .map(|h| schema.field_index(h.trim()).is_some())
                .collect(),
        })
    }

    /// The columns that are not fields of the root, in order.
    pub fn other_columns(&self) -> impl Iterator<Item = &str> {
        self.header
            .iter()
            .zip(&self.field)
            .filter(|(_, f)| !**f)
            .map(|(h, _)| h.as_str())
    }

    /// Whether this reader reads rows of `header`.
    pub fn reads(&self, header: &[&str]) -> bool {
        self.header.len() == header.len()
            && self.header.iter().zip(header).all(|(a, b)| a == b.trim())
    }

    /// The facts of one row (cells in the header's order; missing trailing cells are
    /// empty), validated against the root's schema as its JSON would be.
    pub fn facts(&self, env: &Env, row: &[&str]) -> Result<Facts, FactErrors> {
        Facts::from_node(
            env,
            RowNode {
                reader: self,
                row,
                at: Level::Bundle,
            },
        )
    }
}

#[derive(Debug, Clone, Copy)]
enum Level<'a> {
    /// `{ROOT: ...}`
    Bundle,
    /// `{column: cell, ...}`
    Root,
    /// One cell, a string.
    Cell(&'a str),
}

/// A row seen as the JSON bundle it stands for.
#[derive(Debug, Clone, Copy)]
struct RowNode<'a> {
    reader: &'a RowReader,
    row: &'a [&'a str],
    at: Level<'a>,
}

impl<'a> RowNode<'a> {
    /// The columns that go into the root: fields of it, with a cell that is not blank.
    fn cells(self) -> impl Iterator<Item = (&'a str, &'a str)> {
        let reader = self.reader;
        let row = self.row;
        reader
            .header
            .iter()
            .zip(&reader.field)
            .enumerate()
            .filter(|(_, (_, f))| **f)
            .filter_map(move |(k, (h, _))| {
                let cell = row.get(k)?.trim();
                (!cell.is_empty()).then_some((h.as_str(), cell))
            })
    }
}

impl<'a> Node<'a> for RowNode<'a> {
    fn view(self) -> View<'a> {
        match self.at {
            Level::Bundle => View::Object(1),
            // the number of field columns: only "an empty object" reads it
            Level::Root => View::Object(self.reader.field.iter().filter(|f| **f).count()),
            Level::Cell(c) => View::String(c),
        }
    }

    fn items(self) -> impl Iterator<Item = Self> {
        std::iter::empty()
    }

    fn entries(self) -> impl Iterator<Item = (&'a str, Self)> {
        let bundle = matches!(self.at, Level::Bundle).then(|| {
            (
                self.reader.root.as_str(),
                RowNode {
                    at: Level::Root,
                    ..self
                },
            )
        });
        let cells = matches!(self.at, Level::Root)
            .then(|| {
                self.cells().map(move |(h, c)| {
                    (
                        h,
                        RowNode {
                            at: Level::Cell(c),
                            ..self
                        },
                    )
                })
            })
            .into_iter()
            .flatten();
        bundle.into_iter().chain(cells)
    }
}
