//! SOQL: parser and evaluator.
