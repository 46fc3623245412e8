//! The concrete syntax tree both parsers produce, and the fast parser.
//!
//! `grammar/aftersales.pest` is the language's grammar and pest its reference parser. The
//! fast parser below is a hand-written recursive-descent parser of *the same grammar*,
//! rule for rule and choice for choice, building the same tree (one node per named rule,
//! same nesting, same spans). It exists for speed: pest's per-rule bookkeeping makes it
//! several times slower. It reports no errors of its own: on any failure the file is
//! parsed again with pest, whose error is the one shown. `tests/parser_equivalence.rs`
//! holds the two parsers to the same trees and the same accept/reject answers.
//!
//! Spans of nodes with children end at their last child, so that no node's span ends in
//! the whitespace or comments pest skips before an optional part that did not match.

use super::parser::Rule;

/// One node of the tree, in pre-order; `sub_end` is one past its last descendant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct NodeData {
    pub rule: Rule,
    pub start: u32,
    pub end: u32,
    pub sub_end: u32,
}

/// A concrete syntax tree over a text.
#[derive(Debug, Clone)]
pub(crate) struct Cst<'t> {
    pub text: &'t str,
    pub nodes: Vec<NodeData>,
}

/// A node of a [`Cst`], with the same methods the builder used on pest's pairs.
#[derive(Debug, Clone, Copy)]
pub struct Node<'a> {
    cst: &'a Cst<'a>,
    idx: u32,
}

/// A node's byte range.
#[derive(Debug, Clone, Copy)]
pub(crate) struct NodeSpan {
    start: usize,
    end: usize,
}

impl NodeSpan {
    pub fn start(&self) -> usize {
        self.start
    }
    pub fn end(&self) -> usize {
        self.end
    }
}

impl<'a> Node<'a> {
    fn data(&self) -> NodeData {
        self.cst.nodes[self.idx as usize]
    }
    pub fn as_rule(&self) -> Rule {
        self.data().rule
    }
    pub fn as_span(&self) -> NodeSpan {
        let d = self.data();
        NodeSpan {
            start: d.start as usize,
            end: d.end as usize,
        }
    }
    pub fn as_str(&self) -> &'a str {
        let d = self.data();
        self.cst
            .text
            .get(d.start as usize..d.end as usize)
            .unwrap_or("")
    }
    pub fn into_inner(self) -> Children<'a> {
        let d = self.data();
        Children {
            cst: self.cst,
            next: self.idx + 1,
            end: d.sub_end,
        }
    }
}

/// The children of a node, in order.
#[derive(Debug, Clone)]
pub struct Children<'a> {
    cst: &'a Cst<'a>,
    next: u32,
    end: u32,
}

impl<'a> Iterator for Children<'a> {
    type Item = Node<'a>;
    fn next(&mut self) -> Option<Node<'a>> {
        if self.next >= self.end {
            return None;
        }
        let idx = self.next;
        self.next = self.cst.nodes.get(idx as usize)?.sub_end;
        Some(Node { cst: self.cst, idx })
    }
}

impl<'t> Cst<'t> {
    /// The root node (`file`).
    pub fn root(&self) -> Option<Node<'_>> {
        if self.nodes.is_empty() {
            None
        } else {
            Some(Node { cst: self, idx: 0 })
        }
    }

    /// The tree of a successful pest parse.
    pub fn from_pest(text: &'t str, pairs: pest::iterators::Pairs<'t, Rule>) -> Cst<'t> {
        fn add(nodes: &mut Vec<NodeData>, p: pest::iterators::Pair<'_, Rule>) {
            let i = nodes.len();
            let s = p.as_span();
            nodes.push(NodeData {
                rule: p.as_rule(),
                start: s.start() as u32,
                end: s.end() as u32,
                sub_end: 0,
            });
            for c in p.into_inner() {
                add(nodes, c);
            }
            let n = nodes.len();
            if n > i + 1 {
                nodes[i].end = nodes[n - 1].end;
            }
            nodes[i].sub_end = n as u32;
        }
        let mut nodes = Vec::new();
        for p in pairs {
            add(&mut nodes, p);
        }
        Cst { text, nodes }
    }

    /// Parse with the fast parser; `None` where the text is not in the language.
    pub fn fast(text: &'t str) -> Option<Cst<'t>> {
        let mut p = Fast {
            s: text.as_bytes(),
            pos: 0,
            nodes: Vec::with_capacity(text.len() / 3),
        };
        if p.file() {
            Some(Cst {
                text,
                nodes: p.nodes,
            })
        } else {
            None
        }
    }
}

/// The fast parser: one method per grammar rule, in the grammar's order of choices.
struct Fast<'t> {
    s: &'t [u8],
    pos: usize,
    nodes: Vec<NodeData>,
}

fn is_ident_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

fn is_code_char(b: u8) -> bool {
    b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_' || b == b'-'
}

const RESERVED: &[&[u8]] = &[
    b"and",
    b"or",
    b"not",
    b"in",
    b"matches",
    b"contains",
    b"has",
    b"true",
    b"false",
    b"when",
    b"then",
    b"otherwise",
    b"rule",
];

const SPECIAL: &[&[u8]] = &[
    b"term",
    b"party",
    b"due",
    b"hours",
    b"holidays",
    b"format",
    b"attributes",
    b"covers",
    b"output",
];

impl Fast<'_> {
    // ───────── machinery ─────────

    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }
    fn peek_at(&self, k: usize) -> Option<u8> {
        self.s.get(self.pos + k).copied()
    }
    fn starts(&self, lit: &[u8]) -> bool {
        self.s.get(self.pos..self.pos + lit.len()) == Some(lit)
    }
    fn eat(&mut self, lit: &[u8]) -> bool {
        if self.starts(lit) {
            self.pos += lit.len();
            true
        } else {
            false
        }
    }
    fn eat_if(&mut self, f: impl Fn(u8) -> bool) -> bool {
        match self.peek() {
            Some(b) if f(b) => {
                self.pos += 1;
                true
            }
            _ => false,
        }
    }
    fn digits_n(&mut self, n: usize) -> bool {
        for _ in 0..n {
            if !self.eat_if(|b| b.is_ascii_digit()) {
                return false;
            }
        }
        true
    }

    /// Skip whitespace and comments (pest's implicit `skip`).
    fn ws(&mut self) {
        loop {
            match self.peek() {
                Some(b' ' | b'\t' | b'\r' | b'\n') => self.pos += 1,
                Some(b'#') => {
                    while let Some(b) = self.peek() {
                        if b == b'\n' {
                            break;
                        }
                        self.pos += 1;
                    }
                }
                _ => return,
            }
        }
    }

    /// Run `f` as a group: on failure, restore position and nodes.
    fn group(&mut self, f: impl FnOnce(&mut Self) -> bool) -> bool {
        let (pos, n) = (self.pos, self.nodes.len());
        if f(self) {
            true
        } else {
            self.pos = pos;
            self.nodes.truncate(n);
            false
        }
    }

    /// A node of `rule` around what `f` matches.
    fn node(&mut self, rule: Rule, f: impl FnOnce(&mut Self) -> bool) -> bool {
        let (pos, n) = (self.pos, self.nodes.len());
        self.nodes.push(NodeData {
            rule,
            start: pos as u32,
            end: pos as u32,
            sub_end: 0,
        });
        if f(self) {
            let len = self.nodes.len();
            let end = if len > n + 1 {
                self.nodes[len - 1].end
            } else {
                self.pos as u32
            };
            self.nodes[n].end = end;
            self.nodes[n].sub_end = len as u32;
            true
        } else {
            self.pos = pos;
            self.nodes.truncate(n);
            false
        }
    }

    /// `x*` in a non-atomic rule: `(x ~ (skip ~ x)*)?`.
    fn many(&mut self, mut f: impl FnMut(&mut Self) -> bool) {
        if !f(self) {
            return;
        }
        loop {
            if !self.group(|p| {
                p.ws();
                f(p)
            }) {
                return;
            }
        }
    }

    /// `skip ~ x`: a required part after the first element of a sequence.
    fn then(&mut self, f: impl FnOnce(&mut Self) -> bool) -> bool {
        self.ws();
        f(self)
    }

    // ───────── lexical (atomic) rules ─────────

    fn word_is_reserved(&self) -> bool {
        RESERVED.iter().any(|w| {
            self.starts(w)
                && !self
                    .s
                    .get(self.pos + w.len())
                    .is_some_and(|b| is_ident_char(*b))
        })
    }

    fn keyword(&mut self, rule: Rule, word: &[u8]) -> bool {
        if self.starts(word)
            && !self
                .s
                .get(self.pos + word.len())
                .is_some_and(|b| is_ident_char(*b))
        {
            self.node(rule, |p| {
                p.pos += word.len();
                true
            })
        } else {
            false
        }
    }

    fn punct(&mut self, rule: Rule, lit: &[u8]) -> bool {
        if self.starts(lit) {
            self.node(rule, |p| {
                p.pos += lit.len();
                true
            })
        } else {
            false
        }
    }

    fn ident(&mut self) -> bool {
        if self.word_is_reserved() {
            return false;
        }
        match self.peek() {
            Some(b) if b.is_ascii_lowercase() || b == b'_' => {}
            _ => return false,
        }
        self.node(Rule::ident, |p| {
            p.pos += 1;
            while p.eat_if(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_') {}
            true
        })
    }

    fn code_lit(&mut self) -> bool {
        if !self.peek().is_some_and(|b| b.is_ascii_uppercase()) {
            return false;
        }
        self.node(Rule::code_lit, |p| {
            p.pos += 1;
            while p.eat_if(is_code_char) {}
            loop {
                let save = p.pos;
                if p.eat(b".") && p.eat_if(is_code_char) {
                    while p.eat_if(is_code_char) {}
                } else {
                    p.pos = save;
                    break;
                }
            }
            true
        })
    }

    fn currency(&mut self) -> bool {
        let ok = (0..3).all(|k| self.peek_at(k).is_some_and(|b| b.is_ascii_uppercase()))
            && !self
                .peek_at(3)
                .is_some_and(|b| is_code_char(b) || b.is_ascii_lowercase());
        ok && self.node(Rule::currency, |p| {
            p.pos += 3;
            true
        })
    }

    /// `digits ~ ("." ~ ASCII_DIGIT ~ (ASCII_DIGIT | "_")*)?` without a node.
    fn num_body(&mut self) -> bool {
        if !self.eat_if(|b| b.is_ascii_digit()) {
            return false;
        }
        while self.eat_if(|b| b.is_ascii_digit() || b == b'_') {}
        if self.peek() == Some(b'.') && self.peek_at(1).is_some_and(|b| b.is_ascii_digit()) {
            self.pos += 2;
            while self.eat_if(|b| b.is_ascii_digit() || b == b'_') {}
        }
        true
    }

    fn num_part(&mut self) -> bool {
        self.node(Rule::num_part, |p| p.num_body())
    }

    fn number(&mut self) -> bool {
        self.node(Rule::number, |p| {
            p.num_body()
                && !p
                    .peek()
                    .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        })
    }

    fn percent(&mut self) -> bool {
        self.node(Rule::percent, |p| p.num_body() && p.eat(b"%"))
    }

    fn money(&mut self) -> bool {
        self.node(Rule::money, |p| {
            if !p.currency() {
                return false;
            }
            if !p.eat_if(|b| b == b' ' || b == b'\t') {
                return false;
            }
            while p.eat_if(|b| b == b' ' || b == b'\t') {}
            p.num_part()
                && !p
                    .peek()
                    .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        })
    }

    fn unit(&mut self) -> bool {
        self.node(Rule::unit, |p| {
            let bounded = |p: &mut Fast<'_>| !p.peek().is_some_and(is_ident_char);
            let start = p.pos;
            // "business" ~ (" " | "\t")+ ~ ("days" | "day" | "hours" | "hour")
            if p.eat(b"business") && p.eat_if(|b| b == b' ' || b == b'\t') {
                while p.eat_if(|b| b == b' ' || b == b'\t') {}
                if (p.eat(b"days") || p.eat(b"day") || p.eat(b"hours") || p.eat(b"hour"))
                    && bounded(p)
                {
                    return true;
                }
            }
            p.pos = start;
            const UNITS: &[&[u8]] = &[
                b"minutes", b"minute", b"min", b"hours", b"hour", b"h", b"days", b"day", b"d",
                b"weeks", b"week", b"months", b"month", b"years", b"year", b"km", b"mi",
            ];
            // PEG: the first alternative that matches is taken, then the boundary checked
            for u in UNITS {
                if p.starts(u) {
                    p.pos += u.len();
                    return bounded(p);
                }
            }
            false
        })
    }

    fn quantity(&mut self) -> bool {
        self.node(Rule::quantity, |p| {
            if !p.num_part() {
                return false;
            }
            while p.eat_if(|b| b == b' ' || b == b'\t') {}
            p.unit()
        })
    }

    fn date_body(&mut self) -> bool {
        self.digits_n(4) && self.eat(b"-") && self.digits_n(2) && self.eat(b"-") && self.digits_n(2)
    }

    fn date(&mut self) -> bool {
        self.node(Rule::date, |p| {
            p.date_body() && !p.peek().is_some_and(|b| b.is_ascii_digit() || b == b'T')
        })
    }

    fn clock_body(&mut self) -> bool {
        if !(self.digits_n(2) && self.eat(b":") && self.digits_n(2)) {
            return false;
        }
        let save = self.pos;
        if !(self.eat(b":") && self.digits_n(2)) {
            self.pos = save;
        }
        true
    }

    fn clock(&mut self) -> bool {
        self.node(Rule::clock, |p| p.clock_body())
    }

    fn datetime(&mut self) -> bool {
        self.node(Rule::datetime, |p| {
            if !(p.date_body() && p.eat(b"T") && p.digits_n(2) && p.eat(b":") && p.digits_n(2)) {
                return false;
            }
            let save = p.pos;
            if p.eat(b":") && p.digits_n(2) {
                let s2 = p.pos;
                if !(p.eat(b".") && p.eat_if(|b| b.is_ascii_digit())) {
                    p.pos = s2;
                } else {
                    while p.eat_if(|b| b.is_ascii_digit()) {}
                }
            } else {
                p.pos = save;
            }
            if p.eat(b"Z") {
                return true;
            }
            (p.eat(b"+") || p.eat(b"-")) && p.digits_n(2) && p.eat(b":") && p.digits_n(2)
        })
    }

    fn opening(&mut self) -> bool {
        // atomic: its clocks make no nodes of their own
        self.node(Rule::opening, |p| {
            p.clock_body() && p.eat(b"-") && p.clock_body()
        })
    }

    fn weekday(&mut self) -> bool {
        const DAYS: &[&[u8]] = &[b"mon", b"tue", b"wed", b"thu", b"fri", b"sat", b"sun"];
        for d in DAYS {
            if self.starts(d) {
                return !self.s.get(self.pos + 3).is_some_and(|b| is_ident_char(*b))
                    && self.node(Rule::weekday, |p| {
                        p.pos += 3;
                        true
                    });
            }
        }
        false
    }

    fn string(&mut self) -> bool {
        self.node(Rule::string, |p| {
            if !p.eat(b"\"") {
                return false;
            }
            p.node(Rule::string_inner, |p| loop {
                match p.peek() {
                    Some(b'\\') => {
                        p.pos += 1;
                        if let Some(b) = p.peek() {
                            if b != b'\n' && b != b'\r' {
                                p.skip_char();
                            }
                        }
                    }
                    Some(b'"' | b'\n' | b'\r') | None => return true,
                    Some(_) => p.skip_char(),
                }
            }) && p.punct(Rule::string_close, b"\"")
        })
    }

    /// Step over one UTF-8 character.
    fn skip_char(&mut self) {
        self.pos += 1;
        while self.peek().is_some_and(|b| (b & 0xC0) == 0x80) {
            self.pos += 1;
        }
    }

    fn regex(&mut self) -> bool {
        self.node(Rule::regex, |p| {
            if !p.eat(b"/") {
                return false;
            }
            let body = p.node(Rule::regex_body, |p| {
                let start = p.pos;
                loop {
                    match p.peek() {
                        // `\\` escapes the next character; before a line end it is an
                        // ordinary character (the grammar's second alternative)
                        Some(b'\\') => match p.peek_at(1) {
                            Some(b'\n' | b'\r') | None => p.pos += 1,
                            Some(_) => {
                                p.pos += 1;
                                p.skip_char();
                            }
                        },
                        Some(b'/' | b'\n' | b'\r') | None => break,
                        Some(_) => p.skip_char(),
                    }
                }
                p.pos > start
            });
            body && p.punct(Rule::regex_close, b"/")
                && p.node(Rule::regex_flags, |p| {
                    while p.eat_if(|b| matches!(b, b'i' | b'm' | b's' | b'x')) {}
                    !p.peek().is_some_and(is_ident_char)
                })
        })
    }

    // ───────── expressions ─────────

    fn expr(&mut self) -> bool {
        self.node(Rule::expr, |p| {
            if !p.operand() {
                return false;
            }
            loop {
                if !p.group(|p| {
                    p.ws();
                    p.infix_op() && p.then(|p| p.operand())
                }) {
                    return true;
                }
            }
        })
    }

    fn arith(&mut self) -> bool {
        self.node(Rule::arith, |p| {
            if !p.arith_operand() {
                return false;
            }
            loop {
                if !p.group(|p| {
                    p.ws();
                    p.arith_op() && p.then(|p| p.arith_operand())
                }) {
                    return true;
                }
            }
        })
    }

    /// `prefix_op* ~ primary ~ postfix_op*`
    fn operand(&mut self) -> bool {
        self.group(|p| {
            p.many(|p| p.keyword(Rule::k_not, b"not") || p.punct(Rule::op_neg, b"-"));
            p.ws();
            if !p.primary() {
                return false;
            }
            // postfix_op*: `(skip ~ postfix)*` after the primary
            loop {
                if !p.group(|p| {
                    p.ws();
                    p.peek() == Some(b'm') && p.matches_op()
                }) {
                    return true;
                }
            }
        })
    }

    fn arith_operand(&mut self) -> bool {
        self.group(|p| {
            p.many(|p| p.punct(Rule::op_neg, b"-"));
            p.ws();
            p.primary()
        })
    }

    fn infix_op(&mut self) -> bool {
        if !matches!(
            self.peek(),
            Some(
                b'o' | b'a'
                    | b'n'
                    | b'i'
                    | b'c'
                    | b'='
                    | b'!'
                    | b'<'
                    | b'>'
                    | b'.'
                    | b'+'
                    | b'-'
                    | b'*'
                    | b'/'
            )
        ) {
            return false;
        }
        self.keyword(Rule::k_or, b"or")
            || self.keyword(Rule::k_and, b"and")
            || self.cmp_op()
            || self.not_in()
            || self.keyword(Rule::k_in, b"in")
            || self.keyword(Rule::k_contains, b"contains")
            || self.punct(Rule::dotdot, b"..")
            || self.arith_op()
    }

    fn cmp_op(&mut self) -> bool {
        self.punct(Rule::op_eq, b"==")
            || self.punct(Rule::op_ne, b"!=")
            || self.punct(Rule::op_le, b"<=")
            || self.punct(Rule::op_ge, b">=")
            || self.punct(Rule::op_lt, b"<")
            || self.punct(Rule::op_gt, b">")
    }

    fn arith_op(&mut self) -> bool {
        self.punct(Rule::op_add, b"+")
            || self.punct(Rule::op_sub, b"-")
            || self.punct(Rule::op_mul, b"*")
            || self.punct(Rule::op_div, b"/")
    }

    fn not_in(&mut self) -> bool {
        self.node(Rule::not_in, |p| {
            p.keyword(Rule::k_not, b"not") && p.then(|p| p.keyword(Rule::k_in, b"in"))
        })
    }

    fn matches_op(&mut self) -> bool {
        self.node(Rule::matches_op, |p| {
            p.keyword(Rule::k_matches, b"matches") && p.then(|p| p.regex())
        })
    }

    fn primary(&mut self) -> bool {
        self.literal()
            || (self.peek() == Some(b'(') && self.paren())
            || (self.peek() == Some(b'[') && self.list())
            || self.has_test()
            || self.ref_expr()
    }

    fn literal(&mut self) -> bool {
        match self.peek() {
            Some(b) if b.is_ascii_digit() => {
                self.datetime()
                    || self.date()
                    || self.opening()
                    || self.clock()
                    || self.quantity()
                    || self.percent()
                    || self.number()
            }
            Some(b'"') => self.string(),
            Some(b) if b.is_ascii_uppercase() => self.money() || self.code_lit(),
            _ => self.keyword(Rule::k_true, b"true") || self.keyword(Rule::k_false, b"false"),
        }
    }

    fn has_test(&mut self) -> bool {
        self.node(Rule::has_test, |p| {
            p.keyword(Rule::k_has, b"has") && p.then(|p| p.path())
        })
    }

    fn paren(&mut self) -> bool {
        self.node(Rule::paren, |p| {
            p.punct(Rule::lparen, b"(")
                && p.then(|p| p.expr())
                && p.then(|p| p.punct(Rule::rparen, b")"))
        })
    }

    /// `open ~ (elem ~ (comma ~ elem)* ~ comma?)? ~ close`
    fn delimited(
        &mut self,
        open: (Rule, &[u8]),
        close: (Rule, &[u8]),
        mut elem: impl FnMut(&mut Self) -> bool,
        trailing_comma: bool,
    ) -> bool {
        self.delimited_n(open, close, &mut elem, trailing_comma, false)
    }

    /// As [`Fast::delimited`]; `at_least_one` makes the first element required.
    fn delimited_n(
        &mut self,
        open: (Rule, &[u8]),
        close: (Rule, &[u8]),
        mut elem: impl FnMut(&mut Self) -> bool,
        trailing_comma: bool,
        at_least_one: bool,
    ) -> bool {
        if !self.punct(open.0, open.1) {
            return false;
        }
        let some = self.group(|p| {
            p.ws();
            if !elem(p) {
                return false;
            }
            loop {
                if !p.group(|p| {
                    p.ws();
                    p.punct(Rule::comma, b",") && p.then(|p| elem(p))
                }) {
                    break;
                }
            }
            if trailing_comma {
                p.group(|p| {
                    p.ws();
                    p.punct(Rule::comma, b",")
                });
            }
            true
        });
        (some || !at_least_one) && self.then(|p| p.punct(close.0, close.1))
    }

    fn list(&mut self) -> bool {
        self.node(Rule::list, |p| {
            p.delimited(
                (Rule::lbrack, b"["),
                (Rule::rbrack, b"]"),
                |p| p.expr(),
                true,
            )
        })
    }

    fn ref_expr(&mut self) -> bool {
        self.node(Rule::ref_expr, |p| {
            if !p.ident() {
                return false;
            }
            p.dotted_tail();
            p.group(|p| {
                p.ws();
                p.call_args()
            });
            true
        })
    }

    /// `(dot ~ ident)*` after an identifier.
    fn dotted_tail(&mut self) {
        loop {
            if !self.group(|p| {
                p.ws();
                p.dot() && p.then(|p| p.ident())
            }) {
                return;
            }
        }
    }

    fn dot(&mut self) -> bool {
        self.peek() == Some(b'.') && self.peek_at(1) != Some(b'.') && self.punct(Rule::dot, b".")
    }

    fn call_args(&mut self) -> bool {
        self.node(Rule::call_args, |p| {
            p.delimited(
                (Rule::lparen, b"("),
                (Rule::rparen, b")"),
                |p| p.expr(),
                false,
            )
        })
    }

    fn path(&mut self) -> bool {
        self.node(Rule::path, |p| {
            if !p.ident() {
                return false;
            }
            p.dotted_tail();
            true
        })
    }

    // ───────── types ─────────

    fn type_expr(&mut self) -> bool {
        self.node(Rule::type_expr, |p| {
            p.many(|p| p.set_of());
            p.ws();
            if !p.type_base() {
                return false;
            }
            p.group(|p| {
                p.ws();
                p.punct(Rule::qmark, b"?")
            });
            true
        })
    }

    fn set_of(&mut self) -> bool {
        self.node(Rule::set_of, |p| {
            p.keyword(Rule::k_set, b"set") && p.then(|p| p.keyword(Rule::k_of, b"of"))
        })
    }

    fn type_base(&mut self) -> bool {
        self.node(Rule::type_base, |p| {
            p.enum_type() || p.code_type() || p.ident()
        })
    }

    fn enum_type(&mut self) -> bool {
        self.node(Rule::enum_type, |p| {
            p.keyword(Rule::k_enum, b"enum")
                && p.then(|p| p.punct(Rule::lbrace, b"{"))
                && p.then(|p| p.ident())
                && {
                    loop {
                        if !p.group(|p| {
                            p.ws();
                            p.punct(Rule::comma, b",") && p.then(|p| p.ident())
                        }) {
                            break;
                        }
                    }
                    p.group(|p| {
                        p.ws();
                        p.punct(Rule::comma, b",")
                    });
                    true
                }
                && p.then(|p| p.punct(Rule::rbrace, b"}"))
        })
    }

    fn code_type(&mut self) -> bool {
        self.node(Rule::code_type, |p| {
            p.keyword(Rule::k_code, b"code") && p.then(|p| p.ident())
        })
    }

    fn field_decl(&mut self) -> bool {
        self.node(Rule::field_decl, |p| {
            p.ident() && p.then(|p| p.punct(Rule::colon, b":")) && p.then(|p| p.type_expr()) && {
                p.group(|p| {
                    p.ws();
                    p.punct(Rule::comma, b",")
                });
                true
            }
        })
    }

    // ───────── items ─────────

    fn file(&mut self) -> bool {
        self.node(Rule::file, |p| {
            p.ws();
            p.many(|p| p.item());
            p.ws();
            if p.pos != p.s.len() {
                return false;
            }
            p.node(Rule::EOI, |_| true)
        })
    }

    fn item(&mut self) -> bool {
        self.schema_item(Rule::schema_item, Rule::k_schema, b"schema")
            || self.schema_item(Rule::extend_item, Rule::k_extend, b"extend")
            || self.units_item()
            || self.codes_item()
            || self.decision_item()
            || self.named_item(
                Rule::warranty_item,
                Rule::k_warranty,
                b"warranty",
                true,
                Self::warranty_clause,
            )
            || self.named_item(
                Rule::split_item,
                Rule::k_split,
                b"split",
                true,
                Self::split_clause,
            )
            || self.named_item(
                Rule::queue_item,
                Rule::k_queue,
                b"queue",
                true,
                Self::prop_clause,
            )
            || self.route_item()
            || self.calendar_item()
            || self.segment_item()
            || self.named_item(
                Rule::channel_item,
                Rule::k_channel,
                b"channel",
                false,
                Self::prop_clause,
            )
            || self.block_item(Rule::returns_item, Rule::k_returns, b"returns")
            || self.block_item(Rule::disposition_item, Rule::k_disposition, b"disposition")
            || self.recall_item()
            || self.named_item(
                Rule::report_item,
                Rule::k_report,
                b"report",
                true,
                Self::report_clause,
            )
            || self.named_item(
                Rule::opportunity_item,
                Rule::k_opportunity,
                b"opportunity",
                true,
                Self::opportunity_clause,
            )
            || self.template_item()
    }

    fn template_item(&mut self) -> bool {
        self.node(Rule::template_item, |p| {
            p.keyword(Rule::k_template, b"template")
                && p.then(|p| p.ident())
                && p.then(|p| {
                    p.group(|p| p.keyword(Rule::k_from, b"from") && p.then(|p| p.string()))
                        || p.text_block()
                        || p.string()
                })
        })
    }

    fn text_block(&mut self) -> bool {
        self.node(Rule::text_block, |p| {
            if !p.eat(b"\"\"\"") {
                return false;
            }
            p.node(Rule::text_block_inner, |p| {
                while p.peek().is_some() && !p.starts(b"\"\"\"") {
                    p.skip_char();
                }
                true
            }) && p.punct(Rule::text_block_close, b"\"\"\"")
        })
    }

    /// `{ clause* }` after the head of an item.
    fn body(&mut self, clause: impl FnMut(&mut Self) -> bool) -> bool {
        self.then(|p| p.punct(Rule::lbrace, b"{"))
            && {
                self.ws();
                self.many(clause);
                true
            }
            && self.then(|p| p.punct(Rule::rbrace, b"}"))
    }

    fn schema_item(&mut self, rule: Rule, kw: Rule, word: &[u8]) -> bool {
        self.node(rule, |p| {
            p.keyword(kw, word)
                && p.then(|p| p.ident())
                && {
                    p.group(|p| {
                        p.ws();
                        p.keyword(Rule::k_open, b"open")
                    });
                    true
                }
                && p.body(|p| p.field_decl())
        })
    }

    fn units_item(&mut self) -> bool {
        self.node(Rule::units_item, |p| {
            p.keyword(Rule::k_units, b"units") && p.body(|p| p.prop_clause())
        })
    }

    fn title_opt(&mut self) {
        self.group(|p| {
            p.ws();
            p.node(Rule::title, |p| p.string())
        });
    }

    fn codes_item(&mut self) -> bool {
        self.node(Rule::codes_item, |p| {
            if !(p.keyword(Rule::k_codes, b"codes") && p.then(|p| p.ident())) {
                return false;
            }
            p.title_opt();
            p.group(|p| {
                p.ws();
                p.keyword(Rule::k_from, b"from") && p.then(|p| p.string())
            });
            p.body(|p| p.format_clause() || p.attributes_clause() || p.code_entry())
        })
    }

    fn format_clause(&mut self) -> bool {
        self.node(Rule::format_clause, |p| {
            p.keyword(Rule::k_format, b"format") && p.then(|p| p.regex())
        })
    }

    fn attributes_clause(&mut self) -> bool {
        self.node(Rule::attributes_clause, |p| {
            p.keyword(Rule::k_attributes, b"attributes") && p.body(|p| p.field_decl())
        })
    }

    fn code_key(&mut self) -> bool {
        self.node(Rule::code_key, |p| p.code_lit() || p.string())
    }

    fn code_entry(&mut self) -> bool {
        self.node(Rule::code_entry, |p| {
            if !p.code_key() {
                return false;
            }
            p.group(|p| {
                p.ws();
                p.punct(Rule::dotdot, b"..") && p.then(|p| p.code_key())
            });
            p.title_opt();
            p.group(|p| {
                p.ws();
                p.attr_values()
            });
            true
        })
    }

    fn attr_values(&mut self) -> bool {
        self.node(Rule::attr_values, |p| {
            p.delimited(
                (Rule::lbrace, b"{"),
                (Rule::rbrace, b"}"),
                |p| p.attr_value(),
                true,
            )
        })
    }

    fn attr_value(&mut self) -> bool {
        self.node(Rule::attr_value, |p| {
            p.ident() && p.then(|p| p.punct(Rule::colon, b":")) && p.then(|p| p.expr())
        })
    }

    fn decision_item(&mut self) -> bool {
        self.node(Rule::decision_item, |p| {
            if !(p.keyword(Rule::k_decision, b"decision") && p.then(|p| p.ident())) {
                return false;
            }
            p.group(|p| {
                p.ws();
                p.hit_policy()
            });
            p.body(|p| p.rules_clause())
        })
    }

    fn hit_policy(&mut self) -> bool {
        self.node(Rule::hit_policy, |p| {
            if !(p.keyword(Rule::k_hit, b"hit") && p.then(|p| p.ident())) {
                return false;
            }
            p.group(|p| {
                p.ws();
                p.ident()
            });
            true
        })
    }

    fn rules_clause(&mut self) -> bool {
        self.output_decl() || self.rule_decl() || self.otherwise_clause()
    }

    fn output_decl(&mut self) -> bool {
        self.node(Rule::output_decl, |p| {
            if !(p.keyword(Rule::k_output, b"output")
                && p.then(|p| p.ident())
                && p.then(|p| p.punct(Rule::colon, b":"))
                && p.then(|p| p.type_expr()))
            {
                return false;
            }
            p.group(|p| {
                p.ws();
                p.assign() && p.then(|p| p.expr())
            });
            true
        })
    }

    fn assign(&mut self) -> bool {
        self.peek() == Some(b'=') && self.peek_at(1) != Some(b'=') && self.punct(Rule::assign, b"=")
    }

    fn rule_decl(&mut self) -> bool {
        self.node(Rule::rule_decl, |p| {
            if !(p.keyword(Rule::k_rule, b"rule")
                && p.then(|p| p.node(Rule::rule_id, |p| p.ident() || p.code_lit())))
            {
                return false;
            }
            p.ws();
            p.many(|p| p.rule_mod());
            p.then(|p| p.when_clause())
                && p.then(|p| p.keyword(Rule::k_then, b"then"))
                && p.then(|p| p.then_body())
        })
    }

    fn rule_mod(&mut self) -> bool {
        self.node(Rule::rule_mod, |p| {
            p.group(|p| p.keyword(Rule::k_priority, b"priority") && p.then(|p| p.arith()))
                || p.group(|p| {
                    p.keyword(Rule::k_effective, b"effective")
                        && p.then(|p| p.arith())
                        && p.then(|p| p.punct(Rule::dotdot, b".."))
                        && p.then(|p| p.arith())
                })
        })
    }

    fn otherwise_clause(&mut self) -> bool {
        self.node(Rule::otherwise_clause, |p| {
            p.keyword(Rule::k_otherwise, b"otherwise") && p.then(|p| p.then_body())
        })
    }

    fn then_body(&mut self) -> bool {
        self.node(Rule::then_body, |p| p.assignments() || p.action())
    }

    fn assignments(&mut self) -> bool {
        self.node(Rule::assignments, |p| {
            if !p.assignment() {
                return false;
            }
            loop {
                if !p.group(|p| {
                    p.ws();
                    p.punct(Rule::comma, b",") && p.then(|p| p.assignment())
                }) {
                    return true;
                }
            }
        })
    }

    fn assignment(&mut self) -> bool {
        self.node(Rule::assignment, |p| {
            p.ident() && p.then(|p| p.assign()) && p.then(|p| p.expr())
        })
    }

    fn action(&mut self) -> bool {
        self.node(Rule::action, |p| {
            if !p.ident() {
                return false;
            }
            loop {
                if !p.group(|p| {
                    p.ws();
                    p.node(Rule::action_arg, |p| {
                        p.ident()
                            || p.percent()
                            || p.number()
                            || p.string()
                            || p.code_lit()
                            || p.money()
                            || p.quantity()
                    })
                }) {
                    return true;
                }
            }
        })
    }

    /// `kw ~ ident ~ title? ~ { clause* }` (the title only where `titled`).
    fn named_item(
        &mut self,
        rule: Rule,
        kw: Rule,
        word: &[u8],
        titled: bool,
        clause: fn(&mut Self) -> bool,
    ) -> bool {
        self.node(rule, |p| {
            if !(p.keyword(kw, word) && p.then(|p| p.ident())) {
                return false;
            }
            if titled {
                p.title_opt();
            }
            p.body(clause)
        })
    }

    fn block_item(&mut self, rule: Rule, kw: Rule, word: &[u8]) -> bool {
        self.node(rule, |p| {
            p.keyword(kw, word) && p.body(|p| p.rules_clause())
        })
    }

    fn route_item(&mut self) -> bool {
        self.node(Rule::route_item, |p| {
            p.keyword(Rule::k_route, b"route")
                && p.then(|p| p.ident())
                && p.body(|p| p.rules_clause())
        })
    }

    fn segment_item(&mut self) -> bool {
        self.node(Rule::segment_item, |p| {
            if !(p.keyword(Rule::k_segment, b"segment") && p.then(|p| p.ident())) {
                return false;
            }
            p.group(|p| {
                p.ws();
                p.when_clause() || p.keyword(Rule::k_otherwise, b"otherwise")
            });
            p.body(|p| p.prop_clause())
        })
    }

    fn recall_item(&mut self) -> bool {
        self.node(Rule::recall_item, |p| {
            if !(p.keyword(Rule::k_recall, b"recall")
                && p.then(|p| p.node(Rule::recall_id, |p| p.code_lit() || p.ident() || p.string())))
            {
                return false;
            }
            p.title_opt();
            p.body(|p| p.prop_clause())
        })
    }

    fn when_clause(&mut self) -> bool {
        self.node(Rule::when_clause, |p| {
            p.keyword(Rule::k_when, b"when") && p.then(|p| p.expr())
        })
    }

    fn prop_clause(&mut self) -> bool {
        let special = SPECIAL.iter().any(|w| {
            self.starts(w)
                && !self
                    .s
                    .get(self.pos + w.len())
                    .is_some_and(|b| is_ident_char(*b))
        });
        !special && self.node(Rule::prop_clause, |p| p.ident() && p.then(|p| p.expr()))
    }

    fn warranty_clause(&mut self) -> bool {
        self.when_clause()
            || self.node(Rule::term_clause, |p| {
                if !(p.keyword(Rule::k_term, b"term") && p.then(|p| p.arith())) {
                    return false;
                }
                p.group(|p| {
                    p.ws();
                    p.keyword(Rule::k_or, b"or") && p.then(|p| p.arith())
                });
                p.group(|p| {
                    p.ws();
                    p.keyword(Rule::k_from, b"from") && p.then(|p| p.path())
                });
                true
            })
            || self.node(Rule::covers_clause, |p| {
                p.keyword(Rule::k_covers, b"covers")
                    && p.then(|p| {
                        (p.starts(b"all")
                            && !p
                                .s
                                .get(p.pos + 3)
                                .is_some_and(|b| is_ident_char(*b) || *b == b'.')
                            && p.node(Rule::k_all, |p| {
                                p.pos += 3;
                                true
                            }))
                            || p.expr()
                    })
            })
            || self.node(Rule::pays_clause, |p| {
                if !(p.keyword(Rule::k_pays, b"pays") && p.then(|p| p.share())) {
                    return false;
                }
                p.comma_more(|p| p.share());
                true
            })
            || self.prop_clause()
    }

    /// `(comma ~ x)*`
    fn comma_more(&mut self, mut f: impl FnMut(&mut Self) -> bool) {
        loop {
            if !self.group(|p| {
                p.ws();
                p.punct(Rule::comma, b",") && p.then(|p| f(p))
            }) {
                return;
            }
        }
    }

    fn share(&mut self) -> bool {
        self.node(Rule::share, |p| p.ident() && p.then(|p| p.arith()))
    }

    fn split_clause(&mut self) -> bool {
        self.when_clause()
            || self.node(Rule::party_clause, |p| {
                if !(p.keyword(Rule::k_party, b"party")
                    && p.then(|p| p.ident())
                    && p.then(|p| p.keyword(Rule::k_pays, b"pays"))
                    && p.then(|p| p.share()))
                {
                    return false;
                }
                p.comma_more(|p| p.share());
                p.group(|p| {
                    p.ws();
                    p.keyword(Rule::k_cap, b"cap") && p.then(|p| p.arith())
                });
                true
            })
            || self.prop_clause()
    }

    fn calendar_item(&mut self) -> bool {
        self.node(Rule::calendar_item, |p| {
            if !(p.keyword(Rule::k_calendar, b"calendar") && p.then(|p| p.ident())) {
                return false;
            }
            p.group(|p| {
                p.ws();
                p.keyword(Rule::k_extends, b"extends") && p.then(|p| p.ident())
            });
            p.body(Self::calendar_clause)
        })
    }

    fn calendar_clause(&mut self) -> bool {
        self.node(Rule::hours_clause, |p| {
            if !(p.keyword(Rule::k_hours, b"hours")
                && p.then(|p| p.weekdays())
                && p.then(|p| p.opening()))
            {
                return false;
            }
            p.comma_more(|p| p.opening());
            true
        }) || self.node(Rule::holidays_clause, |p| {
            p.keyword(Rule::k_holidays, b"holidays")
                && p.then(|p| {
                    p.delimited_n(
                        (Rule::lbrack, b"["),
                        (Rule::rbrack, b"]"),
                        |p| p.holiday(),
                        true,
                        false,
                    )
                })
        }) || self.prop_clause()
    }

    fn holiday(&mut self) -> bool {
        self.node(Rule::holiday, |p| {
            if !(p.date()
                || p.nth_weekday()
                || p.month_day()
                || p.keyword(Rule::k_easter, b"easter"))
            {
                return false;
            }
            p.group(|p| {
                p.ws();
                p.node(Rule::holiday_shift, |p| {
                    (p.punct(Rule::op_add, b"+") || p.punct(Rule::op_sub, b"-"))
                        && p.then(|p| p.digits_word(Rule::day_count, 3))
                })
            });
            p.group(|p| {
                p.ws();
                p.keyword(Rule::k_observed, b"observed")
            });
            p.group(|p| {
                p.ws();
                p.keyword(Rule::k_from, b"from") && p.then(|p| p.year())
            });
            p.group(|p| {
                p.ws();
                p.keyword(Rule::k_until, b"until") && p.then(|p| p.year())
            });
            true
        })
    }

    fn month(&mut self) -> bool {
        const MONTHS: &[&[u8]] = &[
            b"jan", b"feb", b"mar", b"apr", b"may", b"jun", b"jul", b"aug", b"sep", b"oct", b"nov",
            b"dec",
        ];
        MONTHS.iter().any(|m| self.starts(m))
            && !self.s.get(self.pos + 3).is_some_and(|b| is_ident_char(*b))
            && self.node(Rule::month, |p| {
                p.pos += 3;
                true
            })
    }

    fn month_day(&mut self) -> bool {
        self.node(Rule::month_day, |p| {
            p.month() && p.then(|p| p.digits_word(Rule::day_of_month, 2))
        })
    }

    fn nth_weekday(&mut self) -> bool {
        self.node(Rule::nth_weekday, |p| {
            p.ordinal()
                && p.then(|p| p.weekday())
                && p.then(|p| p.keyword(Rule::k_of, b"of"))
                && p.then(|p| p.month())
        })
    }

    fn ordinal(&mut self) -> bool {
        const ORDINALS: &[&[u8]] = &[b"1st", b"2nd", b"3rd", b"4th", b"5th", b"last"];
        for o in ORDINALS {
            if self.starts(o)
                && !self
                    .s
                    .get(self.pos + o.len())
                    .is_some_and(|b| is_ident_char(*b))
            {
                let n = o.len();
                return self.node(Rule::ordinal, |p| {
                    p.pos += n;
                    true
                });
            }
        }
        false
    }

    /// 1 to `max` digits not followed by a character of a name (`day_of_month`,
    /// `day_count`).
    fn digits_word(&mut self, rule: Rule, max: usize) -> bool {
        self.node(rule, |p| {
            if !p.eat_if(|b| b.is_ascii_digit()) {
                return false;
            }
            for _ in 1..max {
                if !p.eat_if(|b| b.is_ascii_digit()) {
                    break;
                }
            }
            !p.peek().is_some_and(is_ident_char)
        })
    }

    fn year(&mut self) -> bool {
        self.node(Rule::year, |p| {
            p.digits_n(4) && !p.peek().is_some_and(is_ident_char)
        })
    }

    fn weekdays(&mut self) -> bool {
        self.node(Rule::weekdays, |p| {
            p.group(|p| {
                if !p.weekday() {
                    return false;
                }
                p.group(|p| {
                    p.ws();
                    p.punct(Rule::dotdot, b"..") && p.then(|p| p.weekday())
                });
                true
            }) || p.group(|p| {
                p.delimited_n(
                    (Rule::lbrack, b"["),
                    (Rule::rbrack, b"]"),
                    |p| p.weekday(),
                    true,
                    true,
                )
            })
        })
    }

    fn report_clause(&mut self) -> bool {
        self.when_clause()
            || self.node(Rule::due_clause, |p| {
                if !(p.keyword(Rule::k_due, b"due") && p.then(|p| p.arith())) {
                    return false;
                }
                p.group(|p| {
                    p.ws();
                    p.keyword(Rule::k_after, b"after") && p.then(|p| p.arith())
                });
                true
            })
            || self.prop_clause()
    }

    fn opportunity_clause(&mut self) -> bool {
        self.when_clause() || self.prop_clause()
    }
}
