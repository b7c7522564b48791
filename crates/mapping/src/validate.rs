//! Validation rules a mapped record must pass before it is written.
