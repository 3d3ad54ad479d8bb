//! The one rule for matching language codes. A book declares codes such as `vi` and `en` (or
//! `en-GB`, `pt_BR`); UI strings, lab texts and search all ask "which of these does this code
//! mean?" and get the same answer: the exact code first, then the same primary subtag
//! (`vi-VN` → `vi`), compared without regard to case.

/// The primary subtag of a language code, lowercased: `vi` for `vi-VN`, `en` for `en_US`.
pub fn primary(code: &str) -> String {
    code.split(['-', '_'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase()
}

/// Whether `code` is the language `base` or a regional form of it (`is("vi-VN", "vi")`).
pub fn is(code: &str, base: &str) -> bool {
    primary(code) == primary(base)
}

/// The entry for `lang` among `(code, value)` pairs: the exact code, else one with the same
/// primary subtag, else English, else the first. `None` only when there are no entries.
pub fn pick<'a, T: ?Sized>(
    entries: impl IntoIterator<Item = (&'a str, &'a T)> + Clone,
    lang: &str,
) -> Option<&'a T> {
    let find = |pred: &dyn Fn(&str) -> bool| {
        entries
            .clone()
            .into_iter()
            .find(|(code, _)| pred(code))
            .map(|(_, v)| v)
    };
    find(&|c| c.eq_ignore_ascii_case(lang))
        .or_else(|| find(&|c| is(c, lang)))
        .or_else(|| find(&|c| is(c, "en")))
        .or_else(|| entries.clone().into_iter().next().map(|(_, v)| v))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_then_primary_subtag_then_english_then_first() {
        let e = [("vi", "xin chào"), ("en", "hello"), ("pt-BR", "olá")];
        let it = e.iter().map(|(c, v)| (*c, *v));
        assert_eq!(pick(it.clone(), "vi"), Some("xin chào"));
        assert_eq!(pick(it.clone(), "VI-vn"), Some("xin chào"));
        assert_eq!(pick(it.clone(), "pt_BR"), Some("olá"));
        assert_eq!(pick(it.clone(), "pt"), Some("olá"));
        assert_eq!(pick(it.clone(), "de"), Some("hello"));
        let only = [("de", "hallo")];
        assert_eq!(
            pick(only.iter().map(|(c, v)| (*c, *v)), "fr"),
            Some("hallo")
        );
        let none: [(&str, &str); 0] = [];
        assert_eq!(pick(none.iter().map(|(c, v)| (*c, *v)), "fr"), None);
    }

    #[test]
    fn primary_subtags() {
        assert_eq!(primary("en_US"), "en");
        assert!(is("vi-VN", "vi") && !is("vie", "vi") && !is("en", "vi"));
    }
}
