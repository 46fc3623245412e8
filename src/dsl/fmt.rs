//! `aftersales fmt`: one canonical layout for rule files (docs/language.md, "Formatting").
//!
//! The file is parsed; its tokens are the parse tree's atomic nodes (the grammar's `@{ }`
//! and `${ }` rules: a string, a date, money, a keyword, an operator) and the text between
//! them holds only white space and comments. The layout is then rewritten from the tokens:
//! - the author's line breaks are kept; blank lines between paragraphs are kept, several
//!   in a row become one, none at the start of the file or of a block;
//! - each line is indented two spaces a level of `{ }`, `[ ]` and `( )` open before it; a
//!   line that starts a statement (an item, a field, an output, a rule, a clause) is at
//!   that indent; a line that continues one is two spaces deeper, and two more each time
//!   the source indents it further than the continuation line before;
//! - between tokens on a line: one space, except none before `,` `:` `?` `.` `..` `)` `]`,
//!   none after `(` `[` `.` `..` and a unary `-`, none between a function's name and its
//!   `(`, and `{}` for an empty block;
//! - spaces that align (two or more between tokens of a line, and before a comment after
//!   code) keep their column, moved with the line's indent, where the code before leaves
//!   room: tables of codes and columns of comments stay aligned; else one space;
//! - a comment on a line of its own is indented as the line after it;
//! - trailing white space goes; the file ends with one line break.
//!
//! Only white space changes: the tokens, and so the parse tree and the meaning, are the
//! same (property tests hold `fmt` to that and to `fmt(fmt(x)) == fmt(x)`).

use super::cst::Cst;
use std::collections::HashSet;
use std::sync::OnceLock;

/// Why a text cannot be formatted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormatError {
    /// The text does not parse (`aftersales check` says where).
    #[error("the file does not parse; run `aftersales check` for where")]
    Syntax,
}

/// The grammar's atomic rules: their nodes are single tokens.
fn atomic() -> &'static HashSet<String> {
    static ATOMIC: OnceLock<HashSet<String>> = OnceLock::new();
    ATOMIC.get_or_init(|| {
        include_str!("../../grammar/aftersales.pest")
            .lines()
            .filter_map(|l| {
                let (name, rest) = l.split_once('=')?;
                let name = name.trim();
                let rest = rest.trim_start();
                (!name.is_empty()
                    && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                    && (rest.starts_with("@{") || rest.starts_with("${")))
                .then(|| name.to_string())
            })
            .collect()
    })
}

/// One token: where it is and what it is.
#[derive(Debug, Clone)]
struct Token {
    start: usize,
    end: usize,
    /// Its rule's name (`comma`, `lbrace`, `string`, …).
    rule: String,
    /// The rule of its parent node (`call_args` for a call's parenthesis).
    parent: String,
}

/// A line of the source, as tokens and an optional comment.
#[derive(Debug, Default)]
struct Line {
    tokens: Vec<Token>,
    /// A comment after the tokens (or alone): its text and its column in the source.
    comment: Option<(String, usize)>,
    /// The column of its first token or comment in the source.
    indent: usize,
    /// Blank lines before it in the source.
    blank_before: usize,
}

/// Format a rule file's text.
///
/// ```
/// let text = "decision d {\noutput x : int=0 # the answer\n  rule r when customer . id!=\"\" then x=1\n}\n";
/// let out = aftersales::dsl::format(text).unwrap();
/// assert_eq!(out, "decision d {\n  output x: int = 0 # the answer\n  rule r when customer.id != \"\" then x = 1\n}\n");
/// assert_eq!(aftersales::dsl::format(&out).unwrap(), out);
/// ```
pub fn format(text: &str) -> Result<String, FormatError> {
    let cst = Cst::fast(text).ok_or(FormatError::Syntax)?;
    let (tokens, starts) = tokens(&cst);
    let lines = lines(text, &tokens);
    Ok(layout(text, &lines, &starts))
}

/// The tokens of a tree, in order, and where statements start: the byte offsets of the
/// nodes that are items of the file or stand in a `{ }` block of their parent (a field,
/// an output, a rule, a clause), each a line of its own in the canonical layout when the
/// author put it on one.
fn tokens(cst: &Cst<'_>) -> (Vec<Token>, HashSet<usize>) {
    let atomic = atomic();
    let mut out = Vec::new();
    let mut starts = HashSet::new();
    // open ancestors: where they end, their rule, whether a `{` child was seen
    let mut parents: Vec<(u32, String, bool)> = Vec::new();
    let mut i = 0usize;
    while i < cst.nodes.len() {
        let n = cst.nodes[i];
        while parents.last().is_some_and(|(end, _, _)| *end <= i as u32) {
            parents.pop();
        }
        let rule = format!("{:?}", n.rule);
        if let Some((_, parent, braced)) = parents.last() {
            if (parent == "file" || *braced) && rule != "rbrace" && rule != "EOI" {
                starts.insert(n.start as usize);
            }
        }
        if rule == "lbrace" {
            if let Some(p) = parents.last_mut() {
                p.2 = true;
            }
        }
        let leaf = n.sub_end as usize == i + 1;
        if leaf || atomic.contains(&rule) {
            if n.end > n.start {
                out.push(Token {
                    start: n.start as usize,
                    end: n.end as usize,
                    rule,
                    parent: parents.last().map(|p| p.1.clone()).unwrap_or_default(),
                });
            }
            i = n.sub_end as usize;
        } else {
            parents.push((n.sub_end, rule, false));
            i += 1;
        }
    }
    (out, starts)
}

/// The column of byte `at` in its line (in characters).
fn column(text: &str, at: usize) -> usize {
    let start = text[..at].rfind('\n').map_or(0, |k| k + 1);
    text[start..at].chars().count()
}

/// The source's lines, from the tokens and the comments between them.
fn lines(text: &str, tokens: &[Token]) -> Vec<Line> {
    let mut out: Vec<Line> = Vec::new();
    let mut cur = Line::default();
    let mut blank = 0usize;
    let mut started = false;
    // the gap before each token, then the one after the last
    let mut pos = 0usize;
    let gap = |from: usize,
               to: usize,
               cur: &mut Line,
               out: &mut Vec<Line>,
               blank: &mut usize,
               started: &mut bool| {
        let g = &text[from..to];
        let mut k = 0usize;
        while k < g.len() {
            match g.as_bytes()[k] {
                b'\n' => {
                    if *started {
                        out.push(std::mem::take(cur));
                        *started = false;
                        *blank = 0;
                    } else {
                        *blank += 1;
                    }
                    k += 1;
                }
                b'#' => {
                    let end = g[k..].find('\n').map_or(g.len(), |e| k + e);
                    let col = column(text, from + k);
                    if !*started {
                        cur.indent = col;
                        cur.blank_before = *blank;
                        *started = true;
                    }
                    cur.comment = Some((g[k..end].trim_end().to_string(), col));
                    k = end;
                }
                _ => k += 1,
            }
        }
    };
    for t in tokens {
        gap(pos, t.start, &mut cur, &mut out, &mut blank, &mut started);
        if !started {
            cur.indent = column(text, t.start);
            cur.blank_before = blank;
            started = true;
        }
        cur.tokens.push(t.clone());
        pos = t.end;
        // a token over several lines (a text block) ends its line where it ends
    }
    gap(
        pos,
        text.len(),
        &mut cur,
        &mut out,
        &mut blank,
        &mut started,
    );
    if started {
        out.push(cur);
    }
    out
}

fn opens(rule: &str) -> bool {
    matches!(rule, "lbrace" | "lbrack" | "lparen")
}

fn closes(rule: &str) -> bool {
    matches!(rule, "rbrace" | "rbrack" | "rparen")
}

/// Whether a space goes between two tokens on a line.
fn space(a: &Token, b: &Token) -> bool {
    if matches!(
        a.rule.as_str(),
        "lparen" | "lbrack" | "dot" | "dotdot" | "op_neg"
    ) {
        return false;
    }
    if matches!(
        b.rule.as_str(),
        "comma" | "colon" | "qmark" | "dot" | "dotdot" | "rparen" | "rbrack"
    ) {
        return false;
    }
    if a.rule == "lbrace" && b.rule == "rbrace" {
        return false;
    }
    if b.rule == "lparen" && b.parent == "call_args" {
        return false;
    }
    true
}

/// Write the lines in the canonical layout.
fn layout(text: &str, lines: &[Line], starts: &HashSet<usize>) -> String {
    let mut out = String::with_capacity(text.len());
    // brackets open before the line
    let mut depth = 0usize;
    // per open block: whether it is a `{ }` block, the source indent of its last statement
    // (or, in `[ ]` and `( )`, of its first line), and the source indents of the
    // continuation levels open after it
    let mut blocks: Vec<(bool, Option<usize>, Vec<usize>)> = vec![(true, None, Vec::new())];
    // each line's indent (None for a comment line: the next code line's)
    let mut indents: Vec<Option<usize>> = Vec::with_capacity(lines.len());
    for line in lines {
        let Some(first) = line.tokens.first() else {
            indents.push(None);
            continue;
        };
        let lead_closes = line.tokens.iter().take_while(|t| closes(&t.rule)).count();
        let (braced, base, stack) = blocks.last_mut().expect("the file's own block");
        let cont = if lead_closes > 0 {
            // a line that closes blocks is a statement of the block around them
            0
        } else if starts.contains(&first.start)
            || (!*braced && base.is_none_or(|b| line.indent <= b))
        {
            *base = Some(line.indent);
            stack.clear();
            0
        } else {
            // a continuation: one level deeper than the statement, then one more each
            // time the source indents further
            while stack.last().is_some_and(|&s| s > line.indent) {
                stack.pop();
            }
            if stack.last() != Some(&line.indent) {
                stack.push(line.indent);
            }
            stack.len()
        };
        indents.push(Some(2 * (depth.saturating_sub(lead_closes) + cont)));
        // the brackets this line opens and closes
        for t in &line.tokens {
            if opens(&t.rule) {
                depth += 1;
                blocks.push((t.rule == "lbrace", None, Vec::new()));
            } else if closes(&t.rule) {
                depth = depth.saturating_sub(1);
                if blocks.len() > 1 {
                    blocks.pop();
                }
            }
        }
    }
    // comment lines take the indent of the next code line (one level deeper when that
    // line closes a block: the comment is inside it)
    let mut next: Option<usize> = None;
    let mut resolved = vec![0usize; lines.len()];
    for (k, line) in lines.iter().enumerate().rev() {
        match indents[k] {
            Some(i) => {
                let deeper = line.tokens.first().is_some_and(|t| closes(&t.rule));
                resolved[k] = i;
                next = Some(if deeper { i + 2 } else { i });
            }
            None => resolved[k] = next.unwrap_or(0),
        }
    }
    let mut prev_opens = true; // the start of the file is like the start of a block
    for (k, line) in lines.iter().enumerate() {
        let starts_close = line.tokens.first().is_some_and(|t| closes(&t.rule));
        if line.blank_before > 0 && !prev_opens && !starts_close {
            out.push('\n');
        }
        let indent = resolved[k];
        let mut s = " ".repeat(indent);
        // a column of the source, moved with the line's indent
        let moved = |col: usize| (col + indent).checked_sub(line.indent);
        let mut prev: Option<&Token> = None;
        for t in &line.tokens {
            if let Some(p) = prev {
                let gap = &text[p.end..t.start];
                let width = s.chars().count();
                match moved(column(text, t.start)) {
                    // spaces that align (two or more, on one line) keep their column
                    Some(col)
                        if gap.len() >= 2 && gap.bytes().all(|b| b == b' ') && col > width =>
                    {
                        s.push_str(&" ".repeat(col - width));
                    }
                    _ if space(p, t) => s.push(' '),
                    _ => {}
                }
            }
            s.push_str(&text[t.start..t.end]);
            prev = Some(t);
        }
        if let Some((c, col)) = &line.comment {
            if line.tokens.is_empty() {
                s.push_str(c);
            } else {
                let width = s.chars().count();
                let pad = match moved(*col) {
                    Some(col) if col > width => col - width,
                    _ => 1,
                };
                s.push_str(&" ".repeat(pad));
                s.push_str(c);
            }
        }
        out.push_str(s.trim_end());
        out.push('\n');
        prev_opens = line.tokens.last().is_some_and(|t| opens(&t.rule));
    }
    out
}
