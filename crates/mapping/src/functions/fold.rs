//! Folding text for matching: Latin letters without their accents, lower case. Country names,
//! state names and slugs are compared folded so that "Côte d'Ivoire", "COTE D'IVOIRE" and
//! "cote divoire" are the same key.

/// Accented Latin letters and the ASCII they fold to. Covers the Latin-1 and Latin Extended-A
/// letters used by the languages of Ferry's markets; other letters pass through unchanged.
const FOLDS: &[(&str, &str)] = &[
    ("ÀÁÂÃÄÅĀĂĄàáâãäåāăą", "a"),
    ("ÇĆĈĊČçćĉċč", "c"),
    ("ĎĐďđÐð", "d"),
    ("ÈÉÊËĒĔĖĘĚèéêëēĕėęě", "e"),
    ("ĜĞĠĢĝğġģ", "g"),
    ("ĤĦĥħ", "h"),
    ("ÌÍÎÏĨĪĬĮİìíîïĩīĭįı", "i"),
    ("Ĵĵ", "j"),
    ("Ķķ", "k"),
    ("ĹĻĽĿŁĺļľŀł", "l"),
    ("ÑŃŅŇñńņň", "n"),
    ("ÒÓÔÕÖØŌŎŐòóôõöøōŏő", "o"),
    ("ŔŖŘŕŗř", "r"),
    ("ŚŜŞŠśŝşšȘș", "s"),
    ("ŢŤŦţťŧȚț", "t"),
    ("ÙÚÛÜŨŪŬŮŰŲùúûüũūŭůűų", "u"),
    ("Ŵŵ", "w"),
    ("ÝŶŸýÿŷ", "y"),
    ("ŹŻŽźżž", "z"),
    ("Ææ", "ae"),
    ("Œœ", "oe"),
    ("ß", "ss"),
    ("Þþ", "th"),
];

/// One character folded to lower-case ASCII where a folding is known.
pub(crate) fn fold_char(c: char, out: &mut String) {
    if c.is_ascii() {
        out.push(c.to_ascii_lowercase());
        return;
    }
    for (from, to) in FOLDS {
        if from.contains(c) {
            out.push_str(to);
            return;
        }
    }
    out.extend(c.to_lowercase());
}

/// A name as a matching key: folded, `&` as `and`, punctuation dropped, single spaces, and
/// a leading "the" dropped ("The Netherlands" = "Netherlands").
pub(crate) fn key(s: &str) -> String {
    let mut folded = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => folded.push_str(" and "),
            '.' | '\'' | '’' | '`' | '(' | ')' | ',' => {}
            '-' | '_' | '/' => folded.push(' '),
            c if c.is_whitespace() || c.is_control() => folded.push(' '),
            c => fold_char(c, &mut folded),
        }
    }
    let words: Vec<&str> = folded.split_whitespace().collect();
    let words = match words.split_first() {
        Some((&"the", rest)) if !rest.is_empty() => rest,
        _ => &words[..],
    };
    words.join(" ")
}
