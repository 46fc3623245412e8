//! The surface language: grammar, typed AST with spans, and the parser.
